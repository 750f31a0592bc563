"""For the team (``/beheer``): sign in, then keep the map true: forms, import, suggestions, freshness, history."""

from __future__ import annotations

import streamlit as st

from solidarity.i18n import _
from ui import signin, team

config = signin.config()
editor = signin.current_editor(config)
if editor is None:
    signin.sign_in(config)  # the sign-in and nothing else
else:
    view = team.TEAM.load()
    if view.section in team.ADMIN_SECTIONS and not editor.is_admin:
        view = team.TeamView()
        team.TEAM.normalise(view)
    team.TEAM.publish(view)

    st.title(_("For the team"))
    signin.signed_in_bar(config, editor)
    team.section_picker(editor)
    team.show_notice()

    if view.section == "initiatieven":
        team.finder(view)
        if view.initiative:
            team.initiative_editor(view, editor)
    elif view.section == "import":
        team.import_section(editor)
    elif view.section == "meldingen":
        team.suggestions_section(view, editor)
    elif view.section == "controle":
        team.freshness_section(editor)
    elif view.section == "wijzigingen":
        team.changes_section()
    elif view.section == "buurtwerken":
        team.centres_section(editor)
