"""The team's sign-in on the page: Streamlit's OpenID Connect (``st.login``) or the local accounts.

The rules (who may edit, lock-out, roles) are in :mod:`solidarity.auth`; this module only draws
the sign-in and keeps the signed-in editor of a session.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from solidarity import auth
from solidarity.auth import Editor, SecretsError, TeamConfig
from solidarity.i18n import _
from solidarity.safety import md
from solidarity.settings import SettingsError, read_secrets
from ui import resources
from ui.common import in_language

EDITOR_KEY = "team:editor"  # the local account signed in in this session (no widget owns it)
MESSAGE_KEY = "team:signin_message"


def secrets_paths() -> list[Path]:
    """The secrets files Streamlit reads (its ``secrets.files`` option: a test points it at its own file)."""
    return [Path(p).expanduser() for p in st.get_option("secrets.files")]


def config() -> TeamConfig:
    """The team's sign-in set-up from the secrets (a wrong entry stops the page with one line)."""
    try:
        return auth.team_config(read_secrets(secrets_paths()))
    except (SecretsError, SettingsError) as exc:
        resources.stop(str(exc))
        raise


def _oidc_user() -> dict:
    try:
        return dict(st.user.to_dict()) if st.user.get("is_logged_in", False) else {}
    except Exception:  # no [auth] in Streamlit's secrets: st.user cannot say  # noqa: BLE001
        return {}


def current_editor(team: TeamConfig) -> Editor | None:
    """The signed-in editor of this session, or None."""
    if team.mode == "oidc":
        return auth.oidc_editor(_oidc_user(), team)
    editor = st.session_state.get(EDITOR_KEY)
    if isinstance(editor, Editor) and editor.name in team.accounts and team.accounts[editor.name].role == editor.role:
        return editor
    return None


@in_language
def _local_sign_in(team: TeamConfig) -> None:
    store, _report = resources.store(resources.settings().DATABASE_URL, resources.settings().SEED_DIR)
    name = st.session_state.get("tm_login_name", "")
    password = st.session_state.get("tm_login_password", "")
    st.session_state["tm_login_password"] = ""  # never kept in the session after the check
    result = auth.sign_in(store, team, name, password)
    if result.editor is not None:
        st.session_state[EDITOR_KEY] = result.editor
        st.session_state.pop(MESSAGE_KEY, None)
    else:
        st.session_state[MESSAGE_KEY] = _(result.message).format(minutes=result.minutes)


def sign_in(team: TeamConfig) -> None:
    """The sign-in, and nothing else (what ``/beheer`` shows to someone not signed in)."""
    st.title(_("For the team"))
    st.markdown(_("This page is for the team members who keep the map up to date. Sign in to continue."))
    if team.mode == "oidc":
        user = _oidc_user()
        if user:
            email = str(user.get("email") or user.get("preferred_username") or "?")
            st.warning(_(auth.NOT_ON_LIST).format(email=md(email)), icon=":material/block:")
            st.button(_("Sign out"), icon=":material/logout:", on_click=st.logout, key="tm_logout")
        else:
            st.button(_("Sign in with your organisation's account"), icon=":material/login:", type="primary",
                      on_click=st.login, key="tm_oidc_login")  # fmt: skip
        return
    if team.mode == "none":
        st.info(_(auth.NO_SIGN_IN), icon=":material/lock:")
        return
    with st.form("tm_login", enter_to_submit=True, border=True):
        st.text_input(_("Name"), key="tm_login_name", max_chars=auth.MAX_NAME, autocomplete="username")
        st.text_input(_("Password"), key="tm_login_password", type="password", max_chars=auth.MAX_PASSWORD,
                      autocomplete="current-password")  # fmt: skip
        st.form_submit_button(_("Sign in"), icon=":material/login:", type="primary", on_click=_local_sign_in, args=(team,))
    message = st.session_state.get(MESSAGE_KEY)
    if message:
        st.error(message, icon=":material/error:")


def sign_out(team: TeamConfig) -> None:
    """Sign the session out."""
    st.session_state.pop(EDITOR_KEY, None)
    if team.mode == "oidc":
        st.logout()


def signed_in_bar(team: TeamConfig, editor: Editor) -> None:
    """Who is signed in, with which role, and a way out."""
    with st.container(horizontal=True, vertical_alignment="center"):
        st.caption(_("Signed in as {name} ({role})").format(name=md(editor.name), role=_(auth.ROLE_LABELS[editor.role])))
        st.button(_("Sign out"), icon=":material/logout:", on_click=sign_out, args=(team,), key="tm_signout")
