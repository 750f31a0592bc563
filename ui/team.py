"""The team's page (``/beheer``): its state, the forms, the import, the moderation queue, freshness, history.

Every write goes through :class:`solidarity.store.Store` with ``who=`` the signed-in editor; the
checks and the HTML are in the core (:mod:`solidarity.forms`, :mod:`solidarity.importer`,
:mod:`solidarity.teamviews`, :mod:`solidarity.suggestions`); this module draws the widgets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
import streamlit as st

from solidarity import forms, importer
from solidarity import suggestions as sugg
from solidarity.auth import Editor
from solidarity.filters import fold
from solidarity.freshness import checked_text, stale_entries
from solidarity.i18n import N_, _
from solidarity.model import CATEGORIES, PRECISION_LABELS, SOLIDARITY_LABELS, STATUSES, WHEELCHAIR_LABELS
from solidarity.pagestate import Params, last_value
from solidarity.safety import md
from solidarity.store import Conflict, NotFound, Rejected, Store
from solidarity.teamviews import (
    change_html,
    conflict_html,
    conflict_view,
    lookup_address,
    recent_html,
    suggestion_html,
    when,
)
from ui import resources
from ui.common import form_map, in_language
from ui.state import Binding, PageState

SECTIONS: dict[str, str] = {
    "initiatieven": N_("Initiatives"),
    "import": N_("Spreadsheet import"),
    "meldingen": N_("Suggestions"),
    "controle": N_("To check"),
    "wijzigingen": N_("Recent changes"),
    "buurtwerken": N_("Buurtwerken and projects"),
}
ADMIN_SECTIONS = frozenset({"buurtwerken"})
NEW = "+"  # the "initiative" of the state while adding one


@dataclass(frozen=True)
class TeamView:
    """What the team's page shows: the section, the chosen row, the search."""

    section: str = "initiatieven"
    initiative: str = ""
    q: str = ""
    suggestion: int = 0

    @classmethod
    def from_query_params(cls, params: Params) -> TeamView:
        def first(name: str) -> str:
            return last_value(params, name)[:100]

        section = first("deel")
        number = first("melding")
        return cls(
            section=section if section in SECTIONS else "initiatieven",
            initiative=first("id"),
            q=first("q"),
            suggestion=int(number) if number.isdigit() else 0,
        )

    def to_query_params(self) -> dict[str, str]:
        params = {"deel": self.section if self.section != "initiatieven" else "", "id": self.initiative, "q": self.q,
                  "melding": str(self.suggestion) if self.suggestion else ""}  # fmt: skip
        return {k: v for k, v in params.items() if v}


TEAM: PageState[TeamView] = PageState(
    "team",
    parse=TeamView.from_query_params,
    to_params=lambda view: view.to_query_params(),
    bindings=(
        Binding("tm_section", read=lambda v: v.section, write=lambda v, value: replace(v, section=value or v.section)),
        Binding("tm_q", read=lambda v: v.q, write=lambda v, value: replace(v, q=str(value or "")[:100])),
    ),
)

# Session keys no widget owns.
FORM_FOR = "tm:form_for"  # (table, id) the form's widgets were filled for (not refilled when others save)
FORM_VERSION = "tm:form_version"
ERRORS = "tm:errors"
CONFLICT = "tm:conflict"
NOTICE = "tm:notice"
CHECK = "tm:import_check"
UNDO = "tm:undo_report"
LAST_CLICK = "tm:last_click"


def store() -> Store:
    config = resources.settings()
    instance, _report = resources.store(config.DATABASE_URL, config.SEED_DIR)
    return instance


@st.cache_resource(show_spinner=False, max_entries=2)
def _all_initiatives(url: str, version: int) -> pd.DataFrame:
    return store().initiative_index()


@st.cache_resource(show_spinner=False, max_entries=2)
def _search_index(url: str, version: int) -> pd.Series:
    frame = _all_initiatives(url, version)
    return (frame["name"] + " " + frame["address"] + " " + frame["id"]).map(fold)


def all_initiatives() -> pd.DataFrame:
    """Every initiative, archived and inactive ones too: id, name, address, version... (read only,
    shared per data version; one light query, not the public map's catalogue)."""
    instance = store()
    return _all_initiatives(instance.url, instance.data_version())


@st.cache_resource(show_spinner=False, max_entries=2)
def _names(url: str, version: int) -> tuple[dict[str, str], dict[str, str]]:
    instance = store()
    centres, projects = instance.centres(), instance.projects()
    return dict(zip(centres["id"], centres["name"], strict=True)), dict(zip(projects["id"], projects["name"], strict=True))


def centre_and_project_names() -> tuple[dict[str, str], dict[str, str]]:
    """Buurtwerk and project id -> name (small tables, read per data version; the forms' options)."""
    instance = store()
    return _names(instance.url, instance.data_version())


def notice(kind: str, text: str) -> None:
    """A message for the next run (after a save)."""
    st.session_state[NOTICE] = (kind, text)


def show_notice() -> None:
    found = st.session_state.pop(NOTICE, None)
    if found:
        kind, text = found
        (st.success if kind == "ok" else st.warning)(text, icon=":material/check_circle:" if kind == "ok" else ":material/warning:")


def go(**changes: Any) -> None:
    """Move the page's state (a button's callback): another section, row or suggestion."""
    TEAM.set(replace(TEAM.get(), **changes))
    st.session_state.pop(FORM_FOR, None)
    st.session_state.pop(CONFLICT, None)
    st.session_state.pop(ERRORS, None)


def section_picker(editor: Editor) -> None:
    options = [key for key in SECTIONS if editor.is_admin or key not in ADMIN_SECTIONS]
    pending = len(store().suggestions())

    def label(key: str) -> str:
        text = _(SECTIONS[key])
        return f"{text} ({pending})" if key == "meldingen" and pending else text

    st.segmented_control(_("Part"), options, format_func=label, key="tm_section", on_change=TEAM.changed,
                         args=("tm_section",), label_visibility="collapsed", width="stretch")  # fmt: skip


# -- finding an initiative -------------------------------------------------------------------------


def finder(view: TeamView) -> None:
    """Search (name, address, id) and pick an initiative, or add one."""
    frame = all_initiatives()
    st.text_input(_("Find an initiative"), key="tm_q", on_change=TEAM.changed, args=("tm_q",),
                  placeholder=_("Name, street or id"), max_chars=100)  # fmt: skip
    words = fold(view.q).split()
    shown = frame
    if words:  # folded names only when searching (made once per data version)
        instance = store()
        search = _search_index(instance.url, instance.data_version())
        mask = pd.Series(True, index=frame.index)
        for word in words:
            mask &= search.str.contains(word, regex=False)
        shown = frame[mask]
    ids = shown["id"].tolist()[:200]
    names = dict(zip(frame["id"], frame["name"], strict=True))
    archived = set(frame.loc[frame["archived"], "id"])
    cols = st.columns([3, 1], vertical_alignment="bottom")
    with cols[0]:
        choice = view.initiative if view.initiative in ids else ""
        st.session_state["tm_pick"] = choice
        st.selectbox(
            _("Initiative ({n} found)").format(n=len(shown)), ["", *ids], key="tm_pick",
            format_func=lambda i: (names.get(i, i) + (" · " + _("archived") if i in archived else "")) if i else _("Choose…"),
            on_change=lambda: go(initiative=st.session_state.get("tm_pick") or ""),
        )  # fmt: skip
    with cols[1]:
        st.button(_("Add an initiative"), icon=":material/add:", on_click=go, kwargs={"initiative": NEW}, width="stretch")


# -- the form ------------------------------------------------------------------------------------------


def _key(name: str) -> str:
    return f"tm_f_{name}"


def _options(table: str, name: str) -> tuple[list[str], Any]:
    """A choice field's options and their labels."""
    centre_names, project_names = centre_and_project_names()
    if table == "projects" and name == "kind":
        return ["project", "practice"], lambda v: {"project": _("Project"), "practice": _("Practice example")}.get(v, v)
    if name == "solidarity_type":
        return list(forms.CHOICES[name]), lambda v: _(SOLIDARITY_LABELS.get(v, v)) if v else "—"
    if name == "category":
        return list(CATEGORIES), lambda v: _(CATEGORIES[v][0]) if v in CATEGORIES else v
    if name == "location_precision":
        return list(PRECISION_LABELS), lambda v: _(PRECISION_LABELS.get(v, v))
    if name == "wheelchair":
        return list(WHEELCHAIR_LABELS), lambda v: _(WHEELCHAIR_LABELS.get(v, v))
    if name == "status":
        return list(STATUSES), lambda v: {"active": _("active"), "inactive": _("no longer active")}.get(v, v)
    if name in ("centre_id", "centres"):
        return ([""] if name == "centre_id" else []) + list(centre_names), lambda v: centre_names.get(v, v) if v else "—"
    if name == "projects":
        return list(project_names), lambda v: project_names.get(v, v)
    return [], str


def fill_form(table: str, values: dict[str, Any], row_id: str, version: int) -> None:
    """Put ``values`` into the form's widgets (once per row and version, or when asked)."""
    for f in forms.FORMS[table]:
        value = values.get(f.name, "")
        if f.kind == "choices":
            value = [v for v in str(value or "").split(";") if v]
        elif f.kind == "number":
            try:
                value = float(value) if value not in ("", None) else None
            except (TypeError, ValueError):
                value = None
        elif f.kind == "choice":
            options, _fmt = _options(table, f.name)
            value = value if value in options else (options[0] if options and f.required else "")
        else:
            value = "" if value is None else str(value)
        st.session_state[_key(f.name)] = value
    st.session_state[FORM_FOR] = (table, row_id)
    st.session_state[FORM_VERSION] = version
    st.session_state.pop(ERRORS, None)


def needs_fill(table: str, row_id: str) -> bool:
    """True when the form's widgets do not hold this row yet: another row was chosen, or Streamlit
    dropped the widget keys while another part of the page was shown. A newer version saved by
    someone else does not refill the form: what the editor typed stays, and saving meets the
    version check (the conflict is shown side by side)."""
    return st.session_state.get(FORM_FOR) != (table, row_id) or _key("name") not in st.session_state


def form_values(table: str) -> dict[str, Any]:
    """What the form's widgets hold now."""
    return {f.name: st.session_state.get(_key(f.name)) for f in forms.FORMS[table]}


def _field_widget(table: str, f: forms.Field, errors: dict[str, str]) -> None:
    label = _(f.label) + (" *" if f.required else "")
    key = _key(f.name)
    help_text = _(f.help) if f.help else None
    if f.kind == "long":
        st.text_area(label, key=key, max_chars=f.max_length, help=help_text, height=100)
    elif f.kind == "choice":
        options, fmt = _options(table, f.name)
        st.selectbox(label, options, key=key, format_func=fmt, help=help_text)
    elif f.kind == "choices":
        options, fmt = _options(table, f.name)
        st.multiselect(label, options, key=key, format_func=fmt, help=help_text, placeholder=_("None"))
    elif f.kind == "number":
        st.number_input(label, key=key, format="%.6f", step=0.0001, help=help_text, value=None)
    else:
        st.text_input(label, key=key, max_chars=f.max_length, help=help_text)
    if f.name in errors:
        st.caption(":red[" + md(errors[f.name]) + "]", help=None)


@in_language
def _look_up() -> None:
    found = lookup_address(resources.geocoder().geocode, str(st.session_state.get(_key("address")) or ""))
    if found.lat is None:
        st.session_state[ERRORS] = st.session_state.get(ERRORS, {}) | {"address": found.message}
        return
    st.session_state[_key("lat")], st.session_state[_key("lon")] = round(found.lat, 6), round(found.lon, 6)
    st.session_state[_key("location_precision")] = found.precision
    errors = dict(st.session_state.get(ERRORS, {}))
    errors.pop("address", None)
    errors.pop("lat", None)
    st.session_state[ERRORS] = errors
    notice("ok", _("Found: {place}. Check the point on the map.").format(place=md(found.label)))


def location_block(errors: dict[str, str]) -> None:
    """Address lookup, the point on a small map (a click moves it), the precision."""
    st.button(_("Look up the address"), icon=":material/search:", on_click=_look_up, key="tm_lookup")
    lat, lon = st.session_state.get(_key("lat")), st.session_state.get(_key("lon"))
    from streamlit_folium import st_folium  # deferred: a component must be declared inside the running server

    fmap = form_map((lat, lon) if lat is not None and lon is not None else None)
    clicked = st_folium(fmap, height=260, use_container_width=True, returned_objects=["last_clicked"], key="tm_map",
                        render=False)  # fmt: skip
    st.caption(_("Click the map to move the point."))
    last = (clicked or {}).get("last_clicked")
    if last and last != st.session_state.get(LAST_CLICK):
        st.session_state[LAST_CLICK] = last
        try:
            st.session_state[_key("lat")], st.session_state[_key("lon")] = round(float(last["lat"]), 6), round(float(last["lng"]), 6)
        except (KeyError, TypeError, ValueError):
            return
        st.rerun()


@in_language
def _save(table: str, mode: str, row_id: str, editor: Editor, suggestion: int = 0) -> None:
    """The Save button's callback: check, write through the store, keep what happened for the next run."""
    instance = store()
    values = form_values(table)
    centre_names, project_names = centre_and_project_names()
    errors = forms.check(table, values, set(centre_names), set(project_names))
    if mode in ("new", "approve"):
        taken = set(all_initiatives()["id"]) if table == "initiatives" else set()
        row_id = forms.new_id(str(values.get("name") or ""), taken)
    if errors:
        st.session_state[ERRORS] = errors
        notice("warn", _("Not saved: correct the fields marked in red."))
        return
    row = forms.row_of(table, values)
    version = int(st.session_state.get(FORM_VERSION, 0))
    try:
        if mode == "new":
            instance.create(table, row | {"id": row_id}, who=editor.name)
        elif mode == "approve":
            instance.approve_suggestion(suggestion, row | {"id": row_id}, who=editor.name)
        elif mode == "merge":
            instance.merge_suggestion(suggestion, row_id, row, version=version, who=editor.name)
        else:
            instance.update(table, row_id, row, version=version, who=editor.name)
    except Conflict as conflict:
        current = instance.record(table, row_id)
        st.session_state[CONFLICT] = (conflict_view(table, conflict, row, current.row if current else {}),
                                      current.version if current else version)  # fmt: skip
        return
    except Rejected as rejected:
        st.session_state[ERRORS] = forms.store_errors(rejected.errors)
        notice("warn", _("Not saved: correct the fields marked in red."))
        return
    except NotFound:
        notice("warn", _("This row no longer exists."))
        return
    st.session_state.pop(CONFLICT, None)
    st.session_state.pop(FORM_FOR, None)
    notice("ok", _("Saved. The public map shows it now."))
    if mode in ("new", "approve") and table == "initiatives" or mode == "merge":
        TEAM.set(replace(TEAM.get(), initiative=row_id, section="initiatieven", suggestion=0))


@in_language
def _take_theirs(table: str, row_id: str) -> None:
    record = store().record(table, row_id)
    if record is not None:
        fill_form(table, record.row, row_id, record.version)
    st.session_state.pop(CONFLICT, None)


@in_language
def _keep_mine(version: int) -> None:
    st.session_state[FORM_VERSION] = version  # the next save knowingly goes over the other change
    st.session_state.pop(CONFLICT, None)
    notice("warn", _("Your version is kept in the form. Save again to replace the other change."))


def record_form(table: str, mode: str, row_id: str, editor: Editor, suggestion: int = 0) -> None:
    """The form of one row: fields with their messages, location, Save; the conflict when a save was refused."""
    errors: dict[str, str] = st.session_state.get(ERRORS, {})
    conflict = st.session_state.get(CONFLICT)
    if conflict is not None:
        view, current_version = conflict
        st.error(_("Not saved: {who} changed this in the meantime ({when}). Both versions side by side:").format(
            who=md(view.who), when=view.at), icon=":material/sync_problem:")  # fmt: skip
        st.html(conflict_html(view))
        with st.container(horizontal=True):
            st.button(_("Start from their version"), icon=":material/restart_alt:", on_click=_take_theirs,
                      args=(table, row_id), key="tm_theirs")  # fmt: skip
            st.button(_("Keep my version"), icon=":material/edit:", on_click=_keep_mine, args=(current_version,),
                      key="tm_mine")  # fmt: skip
    fields = forms.FORMS[table]
    location = {"address", "postcode", "lat", "lon", "location_precision"}
    with st.container(border=True):
        for f in fields:
            if f.name in location:
                continue
            _field_widget(table, f, errors)
        by_name = {f.name: f for f in fields}
        if "lat" in by_name:
            st.subheader(_("Where"))
            for name in ("address", "postcode"):
                if name in by_name:
                    _field_widget(table, by_name[name], errors)
            location_block(errors)
            cols = st.columns(3)
            for col, name in zip(cols, ("lat", "lon", "location_precision"), strict=True):
                with col:
                    _field_widget(table, by_name[name], errors)
        label = {"approve": _("Approve and publish"), "merge": _("Save into this initiative")}.get(mode, _("Save"))
        st.button(label, icon=":material/save:", type="primary", on_click=_save,
                  args=(table, mode, row_id, editor, suggestion), key="tm_save")  # fmt: skip


@in_language
def _archive(table: str, row_id: str, version: int, archived: bool, editor: Editor) -> None:
    instance = store()
    try:
        if archived:
            instance.unarchive(table, row_id, version=version, who=editor.name)
            notice("ok", _("Brought back: it is on the map again."))
        else:
            instance.archive(table, row_id, version=version, who=editor.name)
            notice("ok", _("Archived: no longer on the map. Its history is kept."))
    except Conflict:
        notice("warn", _("Someone changed this in the meantime: look again."))
    except Rejected as rejected:
        notice("warn", forms.store_errors(rejected.errors).get("id") or str(rejected))
    st.session_state.pop(FORM_FOR, None)


@in_language
def _verified(row_id: str, version: int, editor: Editor) -> None:
    try:
        store().mark_verified("initiatives", row_id, version=version, who=editor.name)
        notice("ok", _("Marked as still correct today."))
    except Conflict:
        notice("warn", _("Someone changed this in the meantime: look again."))
    st.session_state.pop(FORM_FOR, None)


@in_language
def _restore(table: str, row_id: str, n: int, editor: Editor) -> None:
    instance = store()
    change = next((c for c in instance.history(row_id, table) if c.n == n), None)
    if change is None:
        return
    try:
        instance.restore(row_id, change, who=editor.name)
        notice("ok", _("The earlier version is back (as a new change)."))
    except Rejected as rejected:
        notice("warn", str(rejected))
    st.session_state.pop(FORM_FOR, None)


def history(table: str, row_id: str, editor: Editor) -> None:
    """Every change of the row, newest first, with "restore this version"."""
    changes = store().history(row_id, table)
    with st.expander(_("History ({n} changes)").format(n=len(changes)), icon=":material/history:"):
        for change in reversed(changes):
            st.html(change_html(change))
            if change.after is not None and change is not changes[-1]:
                st.button(_("Restore this version"), key=f"tm_restore_{change.n}", icon=":material/undo:",
                          on_click=_restore, args=(table, row_id, change.n, editor))  # fmt: skip


def initiative_editor(view: TeamView, editor: Editor) -> None:
    """The chosen initiative (or a new one): its form, archive, "still correct", history."""
    if view.initiative == NEW:
        if needs_fill("initiatives", NEW):
            fill_form("initiatives", {"status": "active", "wheelchair": "unknown", "solidarity_type": "direct",
                                      "location_precision": "street"}, NEW, 0)  # fmt: skip
        st.subheader(_("A new initiative"))
        record_form("initiatives", "new", NEW, editor)
        return
    record = store().record("initiatives", view.initiative)
    if record is None:
        st.info(_("Choose an initiative, or add one."), icon=":material/info:")
        return
    if needs_fill("initiatives", record.id):
        fill_form("initiatives", record.row, record.id, record.version)
    st.subheader(md(record.row["name"]))
    st.caption(checked_text(record.row.get("last_verified")) + (" · " + _("archived") if record.archived else ""))
    with st.container(horizontal=True):
        st.button(_("Still correct"), icon=":material/verified:", on_click=_verified,
                  args=(record.id, record.version, editor), key="tm_verified", disabled=record.archived)  # fmt: skip
        st.button(_("Bring back") if record.archived else _("Archive"), key="tm_archive",
                  icon=":material/unarchive:" if record.archived else ":material/archive:",
                  on_click=_archive, args=("initiatives", record.id, record.version, record.archived, editor))  # fmt: skip
    record_form("initiatives", "edit", record.id, editor)
    history("initiatives", record.id, editor)


# -- import ----------------------------------------------------------------------------------------------


def import_section(editor: Editor) -> None:
    """Upload, dry run, import all or nothing, undo the last import."""
    st.markdown(_("Upload a spreadsheet (CSV or Excel) in the columns of the template. First it is checked: "
                  "nothing changes until you import it."))  # fmt: skip
    with st.container(horizontal=True):
        st.download_button(_("Template (Excel)"), importer.template_xlsx(), importer.template_name("xlsx"),
                           icon=":material/download:", key="tm_tpl_xlsx")  # fmt: skip
        st.download_button(_("Template (CSV)"), importer.template_csv(), importer.template_name("csv"),
                           mime="text/csv", icon=":material/download:", key="tm_tpl_csv")  # fmt: skip
    upload = st.file_uploader(_("Spreadsheet"), key="tm_upload", accept_multiple_files=False)
    if upload is not None and st.button(_("Check the file"), icon=":material/fact_check:", type="primary", key="tm_check"):
        data = upload.getvalue()
        check = importer.check_upload(store(), upload.name, data, editor.name)
        st.session_state[CHECK] = (upload.name, data, check)
    found = st.session_state.get(CHECK)
    if found is not None:
        name, data, check = found
        show_check(check)
        if check.can_import and st.button(_("Import"), icon=":material/upload:", type="primary", key="tm_import"):
            report = importer.import_upload(store(), name, data, editor.name, check.report)
            st.session_state.pop(CHECK, None)
            if report.refused:
                notice("warn", _("Nothing was imported: {reason}").format(reason=md(importer.say(report.refused))))
            else:
                notice("ok", _("Imported: {added} added, {changed} changed. The public map shows them now.").format(
                    added=len(report.added), changed=len(report.changed)))  # fmt: skip
            st.rerun()
    undo_block(editor)


def show_check(check: importer.UploadCheck) -> None:
    report = check.report
    if check.unreadable:
        st.error(_("This file cannot be read: {reason}. Nothing was changed.").format(reason=md(check.unreadable)),
                 icon=":material/error:")  # fmt: skip
        return
    errors = len({e.line for e in report.rejected})
    st.markdown("**" + _("Check of {file}: {added} to add, {changed} to change, {unchanged} unchanged, {errors} with "
                         "errors.").format(file=md(report.source), added=len(report.added), changed=len(report.changed),
                                           unchanged=len(report.unchanged), errors=errors) + "**")  # fmt: skip
    for warning in report.warnings:
        st.caption(md(importer.say(warning)))
    if report.refused:
        st.warning(md(importer.say(report.refused)), icon=":material/warning:")
    elif check.can_import:
        st.success(_("No errors: the file can be imported."), icon=":material/check_circle:")
    if check.duplicates:
        st.warning(_("{n} new rows look like initiatives that exist already: check them before importing.").format(
            n=len(check.duplicates)), icon=":material/content_copy:")  # fmt: skip
    st.dataframe(check.rows(), hide_index=True, width="stretch")


@in_language
def _undo(batch: str, editor: Editor) -> None:
    try:
        st.session_state[UNDO] = store().undo_batch(batch, who=editor.name)
    except (Rejected, NotFound):
        notice("warn", _("This import was undone already."))


def undo_block(editor: Editor) -> None:
    report = st.session_state.pop(UNDO, None)
    if report is not None:
        st.success(_("Import undone: {n} rows are as they were before it.").format(n=len(report.undone)),
                   icon=":material/undo:")  # fmt: skip
        if report.kept:
            st.warning(_("Kept because someone edited them after the import: {rows}").format(
                rows=md(", ".join(f"{i} ({who})" for i, who, _at in report.kept))), icon=":material/info:")  # fmt: skip
    last = store().last_import()
    if last is None:
        return
    st.subheader(_("The last import"))
    st.markdown(_("{file}, {rows} rows, by {who}, {when}").format(file=md(last.source), rows=last.rows, who=md(last.who),
                                                                  when=when(last.at)))  # fmt: skip
    st.button(_("Undo this import"), icon=":material/undo:", on_click=_undo, args=(last.id, editor), key="tm_undo")


# -- suggestions --------------------------------------------------------------------------------------------


@in_language
def _reject(n: int, editor: Editor) -> None:
    try:
        store().reject_suggestion(n, who=editor.name)
        notice("ok", _("Rejected. Nothing of it is public."))
    except (Rejected, NotFound):
        notice("warn", _("This suggestion was handled already."))
    TEAM.set(replace(TEAM.get(), suggestion=0))


def suggestions_section(view: TeamView, editor: Editor) -> None:
    """The moderation queue: pick a suggestion, approve (after editing), merge into an initiative, or reject."""
    instance = store()
    instance.purge_suggestions(dt.timedelta(days=30))
    pending = instance.suggestions()
    if not pending:
        st.info(_("No suggestions are waiting."), icon=":material/inbox:")
        return
    labels = {s.n: (s.name or s.description[:60] or "…") for s in pending}
    current = view.suggestion if view.suggestion in labels else 0
    st.session_state["tm_suggestion"] = current
    st.selectbox(_("Waiting ({n})").format(n=len(pending)), [0, *labels], key="tm_suggestion",
                 format_func=lambda n: f"#{n} {labels[n]}" if n else _("Choose…"),
                 on_change=lambda: go(suggestion=int(st.session_state.get("tm_suggestion") or 0)))  # fmt: skip
    suggestion = next((s for s in pending if s.n == current), None)
    if suggestion is None:
        return
    names = dict(zip(all_initiatives()["id"], all_initiatives()["name"], strict=True))
    st.html(suggestion_html(suggestion, names.get(suggestion.initiative_id, "")))
    st.button(_("Reject"), icon=":material/delete:", on_click=_reject, args=(suggestion.n, editor), key="tm_reject")
    how = st.radio(_("What to do with it"), ["approve", "merge"], horizontal=True, key="tm_how",
                   index=1 if suggestion.kind == "correction" else 0,
                   format_func=lambda k: {"approve": _("Publish as a new initiative"),
                                          "merge": _("Merge into an existing initiative")}[k])  # fmt: skip
    if how == "approve":
        if needs_fill("initiatives", f"s{suggestion.n}"):
            fill_form("initiatives", sugg.initiative_draft(suggestion), f"s{suggestion.n}", 0)
        st.caption(_("Correct and complete it (a source is needed), then publish."))
        record_form("initiatives", "approve", f"s{suggestion.n}", editor, suggestion.n)
        return
    ids = list(names)
    default = suggestion.initiative_id if suggestion.initiative_id in names else ""
    if "tm_merge_into" not in st.session_state or st.session_state.get("tm_merge_for") != suggestion.n:
        st.session_state["tm_merge_into"], st.session_state["tm_merge_for"] = default, suggestion.n
    target = st.selectbox(_("Into"), ["", *ids], key="tm_merge_into",
                          format_func=lambda i: names.get(i, i) if i else _("Choose…"))  # fmt: skip
    record = instance.record("initiatives", target) if target else None
    if record is None:
        return
    if needs_fill("initiatives", record.id):
        fill_form("initiatives", record.row, record.id, record.version)
    st.caption(_("The initiative as it is now: take from the suggestion what is right, then save."))
    record_form("initiatives", "merge", record.id, editor, suggestion.n)


# -- freshness, recent changes, centres and projects ------------------------------------------------------


def freshness_section(editor: Editor) -> None:
    """The entries not checked for a year, oldest first, with "still correct" and "edit"."""
    frame = all_initiatives()
    stale = stale_entries(frame[~frame["archived"]])
    st.markdown(_("{n} initiatives were not checked for more than a year (or never). On the map they are paler, "
                  "with their date.").format(n=len(stale)))  # fmt: skip
    for row in stale.head(50).itertuples():
        with st.container(horizontal=True, vertical_alignment="center", border=True):
            st.markdown(f"**{md(row.name)}**  \n{md(checked_text(row.last_verified))}")
            st.button(_("Still correct"), key=f"tm_ok_{row.id}", icon=":material/verified:", on_click=_verified,
                      args=(row.id, int(row.version), editor))  # fmt: skip
            st.button(_("Edit"), key=f"tm_edit_{row.id}", icon=":material/edit:", on_click=go,
                      kwargs={"section": "initiatieven", "initiative": row.id})  # fmt: skip


def changes_section() -> None:
    names = dict(zip(all_initiatives()["id"], all_initiatives()["name"], strict=True))
    st.html(recent_html(store().changes(limit=50), names))


def centres_section(editor: Editor) -> None:
    """Admins: edit a buurtwerk or a project (the same form machinery)."""
    centre_names, project_names = centre_and_project_names()
    table = st.radio(_("Which"), ["centres", "projects"], horizontal=True, key="tm_table",
                     format_func=lambda t: {"centres": _("Buurtwerken"), "projects": _("Projects")}[t])  # fmt: skip
    names = centre_names if table == "centres" else project_names
    row_id = st.selectbox(_("Choose"), ["", *names], key="tm_row", format_func=lambda i: names.get(i, i) if i else "—")
    record = store().record(table, row_id) if row_id else None
    if record is None:
        return
    if needs_fill(table, record.id):
        fill_form(table, record.row, record.id, record.version)
    st.button(_("Archive"), icon=":material/archive:", on_click=_archive,
              args=(table, record.id, record.version, record.archived, editor), key="tm_archive_row")  # fmt: skip
    record_form(table, "edit", record.id, editor)
    history(table, record.id, editor)
