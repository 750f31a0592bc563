"""A page's state across reruns, pages and the browser's history (see :mod:`solidarity.pagestate`).

Usage in a page script::

    view = EXPLORE.load()             # URL or stored state; widget keys filled from it
    st.pills(..., key="f_types", on_change=EXPLORE.changed, args=("f_types",))
    EXPLORE.publish(view)             # the URL says what the page shows

Each page has one :class:`PageState` with its :class:`Binding` list (widget key <-> a part of
the state). The stored state lives under ``state:<name>``, a key no widget owns, so it survives
runs of other pages; the widget keys, which Streamlit drops after a run that did not draw them,
are filled from it whenever they are missing, and overwritten when the state came from the URL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import streamlit as st

from solidarity.filters import FilterState
from solidarity.pagestate import Params, arrive, normalise_params, page_params
from ui.common import all_query_params, app_params

S = TypeVar("S")

#: The page (``ui.nav`` key) of this run and of the run before it; ``ui.nav.navigation`` keeps them.
CURRENT_PAGE_KEY = "nav:current"
PREVIOUS_PAGE_KEY = "nav:previous"
#: The explore filters last shown by any page that shares them (map, figures, presentation).
SHARED_FILTERS_KEY = "state:filters"


@dataclass(frozen=True)
class Binding(Generic[S]):
    """One widget's key and how its value maps to and from the page's state."""

    key: str
    read: Callable[[S], Any]  # state -> widget value
    write: Callable[[S, Any], S]  # (state, widget value) -> new state


class PageState(Generic[S]):
    """The state of one page: stored per session, mirrored in the URL and in its widgets."""

    def __init__(
        self,
        name: str,
        parse: Callable[[Params], S],
        to_params: Callable[[S], Params],
        bindings: tuple[Binding[S], ...] = (),
        with_filters: Callable[[S, FilterState], S] | None = None,
        default: Callable[[], S] | None = None,
    ) -> None:
        """``with_filters``: for a page that shows the explore filters (``state.filters``), how to put
        other filters into its state; the pages that have it share their filters: a link to one of
        them carries the filters last shown on any of them. ``default``: the state of a URL without
        parameters, made without parsing (``parse({})`` may need the data: the menu's links of
        pages not visited yet would then rebuild the catalogue after every edit)."""
        self.name = name
        self.default = default or (lambda: parse({}))
        self.parse = parse
        self.to_params = to_params
        self.bindings = {binding.key: binding for binding in bindings}
        self.with_filters = with_filters

    # -- session keys (none is a widget key) -------------------------------------------------
    @property
    def _state_key(self) -> str:
        return f"state:{self.name}"

    @property
    def _written_key(self) -> str:
        return f"state:{self.name}:written"

    @property
    def _sync_key(self) -> str:
        return f"state:{self.name}:sync"

    def stored(self) -> S | None:
        """The state the session keeps for the page (``None`` before its first visit)."""
        return st.session_state.get(self._state_key)

    def link_params(self) -> dict[str, list[str]]:
        """The page's parameters for a link to it: its stored state, with the shared filters when the
        page shares them (empty before the first visit when there is nothing to carry)."""
        stored = self.stored()
        shared = st.session_state.get(SHARED_FILTERS_KEY) if self.with_filters is not None else None
        if stored is None and shared is None:
            return {}
        if shared is not None:
            stored = self.with_filters(stored if stored is not None else self.default(), shared)  # type: ignore[misc]
        return page_params(self.to_params(stored))

    # -- a run -------------------------------------------------------------------------------
    def load(self) -> S:
        """The state of this run (URL or stored, :func:`solidarity.pagestate.arrive`), with the
        widget keys filled from it (all of them when it came from the URL)."""
        previous, current = st.session_state.get(PREVIOUS_PAGE_KEY), st.session_state.get(CURRENT_PAGE_KEY)
        elsewhere = previous is not None and previous != current
        arrival = arrive(
            all_query_params(), self.stored(), st.session_state.get(self._written_key), self.parse,
            from_elsewhere=elsewhere,
        )  # fmt: skip
        st.session_state[self._state_key] = arrival.state
        if arrival.from_url:
            # What the page shows now: writing it back must not look like a new move.
            st.session_state[self._written_key] = page_params(self.to_params(arrival.state))
        state = arrival.state
        shared = st.session_state.get(SHARED_FILTERS_KEY)
        bare = elsewhere and not page_params(all_query_params())
        if self.with_filters is not None and shared is not None and bare:
            state = self.with_filters(state, shared)  # a bare link: the filters last shown elsewhere
            st.session_state[self._state_key] = state
        sync = arrival.from_url or st.session_state.pop(self._sync_key, False)
        self._fill_widgets(state, everything=sync)
        return state

    def _fill_widgets(self, state: S, everything: bool) -> None:
        for key, binding in self.bindings.items():
            if everything or key not in st.session_state:
                st.session_state[key] = binding.read(state)

    def get(self) -> S:
        """The current state (after :meth:`load` in this run, or after a widget changed it)."""
        state = self.stored()
        if state is None:
            raise RuntimeError(f"page state {self.name!r} used before load()")
        return state

    def set(self, state: S) -> None:
        """Replace the state (a callback, a button, a map click before ``st.rerun()``); the widgets
        follow at the start of the next run (a widget drawn in this run can no longer be set)."""
        st.session_state[self._state_key] = state
        st.session_state[self._sync_key] = True

    def normalise(self, state: S) -> None:
        """The state of this run as the page shows it (unknown values dropped, a page number
        clamped): stored, and the widgets set from it now. Call before drawing the widgets."""
        st.session_state[self._state_key] = state
        self._fill_widgets(state, everything=True)

    def changed(self, key: str) -> None:
        """``on_change`` callback of the widget ``key``: its new value into the state (the other
        widgets may follow: a new filter sends the list back to its first page)."""
        binding = self.bindings[key]
        self.set(binding.write(self.get(), st.session_state.get(key)))

    def publish(self, state: S) -> None:
        """Make the URL say what the page shows (only writes when it differs: no needless history)."""
        params = page_params(self.to_params(state))
        st.session_state[self._written_key] = params
        if self.with_filters is not None:
            st.session_state[SHARED_FILTERS_KEY] = state.filters.with_selected("")  # type: ignore[attr-defined]
        wanted = normalise_params(params | app_params())
        if normalise_params(all_query_params()) != wanted:
            st.query_params.from_dict(wanted)
