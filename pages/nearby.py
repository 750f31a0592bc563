"""Near me: residents find solidarity initiatives close to an address (built in issue 3)."""

from __future__ import annotations

import streamlit as st

from solidarity.i18n import _

st.title(_("Near me"))
st.info(_("Coming soon."))
