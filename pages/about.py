"""About: what the map is for, the words it uses, where its facts come from, what it keeps, the licences."""

from __future__ import annotations

import streamlit as st

from solidarity.attribution import attribution
from solidarity.i18n import _
from solidarity.safety import md
from solidarity.views import sources, sources_html
from ui import council, resources

config = resources.settings()
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
st.html(sources_html(sources(catalog.initiatives, catalog.centres, catalog.projects), _("Source of")))

st.header(_("What the map keeps about you"))
st.markdown(
    "- " + _("The map does not ask who you are and sets no tracking cookies.") + "\n"
    "- " + _("Your location stays in your browser; in the page's link it is rounded to about 100 metres.") + "\n"
    "- " + _(
        "An address you look up online is sent to OpenStreetMap's Nominatim without anything about you. "
        "The answer is kept for at most {days} days, so that the same question is not sent twice; "
        "the app never writes what you type into its logs."
    ).format(days=int(config.GEOCODE_CACHE_DAYS))
)

st.header(_("Licences"))
st.markdown(
    "- " + _("Neighbourhood boundaries and streets: Stad Antwerpen, open data (free reuse with attribution).") + "\n"
    "- " + _("Background map: © OpenStreetMap contributors (ODbL).") + "\n"
    "- " + _("Address search: Nominatim (OpenStreetMap), with an offline fallback.") + "\n"
    "- " + _("This app is open-source software under the European Union Public Licence (EUPL-1.2).")
)
st.caption(md(attribution(council.geography().figures.period).text()))
