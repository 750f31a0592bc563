"""About: what the map is for, where the data comes from, and the licences."""

from __future__ import annotations

import streamlit as st

from solidarity.attribution import attribution
from solidarity.i18n import _
from solidarity.safety import md
from ui import council, resources
from ui.common import init_language

init_language()  # idempotent: app.py sets it too; keeps the page right when run on its own
catalog = resources.catalog()

st.title(_("About this map"))
st.markdown(
    _(
        "SAAMO Antwerpen works with people in a vulnerable position against poverty, racism and "
        "discrimination, through five buurtwerken (neighbourhood centres) and ten projects. "
        "This map shows where **direct solidarity** (people helping each other) and **indirect "
        "solidarity** (the welfare state, social services and social security that we pay for "
        "together) happen around the buurtwerken, how they relate to the projects, and where the gaps are."
    )
)
st.header(_("What the words mean"))
st.markdown(
    "- " + _("**Direct solidarity**: people help each other, share and work together.") + "\n"
    "- " + _("**Indirect solidarity**: what we pay for together: social services, social security, social housing.") + "\n"
    "- " + _("**Both**: an initiative that bridges the two, for example volunteers guiding people to their social rights.") + "\n"
    "- " + _("**Approximate location**: the exact address is not known; the point lies in the right neighbourhood.")
)

st.header(_("Sources"))
st.markdown(
    _("Every initiative has its source. The data was gathered from public sources; gaps are left open, never filled in.")
)
sources = sorted(set(catalog.initiatives["source_url"]) | set(catalog.centres["source_url"]) - {""})
st.dataframe({_("Source"): sources}, hide_index=True, column_config={_("Source"): st.column_config.LinkColumn()})

st.header(_("Licences"))
st.markdown(
    "- " + _("Neighbourhood boundaries and streets: Stad Antwerpen, open data (free reuse with attribution).") + "\n"
    "- " + _("Background map: © OpenStreetMap contributors (ODbL).") + "\n"
    "- " + _("Address search: Nominatim (OpenStreetMap), with an offline fallback.") + "\n"
    "- " + _("This app is open-source software.")
)
st.caption(md(attribution(council.geography().figures.period).text()))
