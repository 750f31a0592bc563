"""The rules that keep a page's state, its widgets and the URL in step (no Streamlit).

A page's state is one frozen dataclass. Three places hold a copy of it:

- the **URL** (``?type=direct&buurtwerk=de-stek``): what a shared link, a bookmark and the
  browser's Back and Forward carry;
- the **stored state**, kept per session under a key no widget owns (Streamlit drops a widget's
  value after a run that did not draw the widget, so a page that leans on widget keys loses its
  state when the user visits another page: TECH_NOTES section 7);
- the **widgets**, whose keys are filled from the state whenever they are missing or the state
  came from the URL.

The rule: when the URL is not what the page last wrote there (a first visit, a link, Back or
Forward), the URL is the truth; otherwise the stored state is (the widgets changed it since).
One exception: arriving from another page at a URL that carries none of the page's parameters
(a bare link, Streamlit's own ``st.switch_page``), the page comes back as the user left it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

S = TypeVar("S")

#: Query parameters as lists of values: ``?a=1&a=2`` is ``{"a": ["1", "2"]}``.
Params = Mapping[str, object]

#: Parameters that belong to the whole app, not to a page's state.
APP_PARAMS: frozenset[str] = frozenset({"lang"})


def normalise_params(params: Params, drop: frozenset[str] = frozenset()) -> dict[str, list[str]]:
    """``params`` as ``{name: [values]}`` (strings), empty values and the names in ``drop`` left out."""
    out: dict[str, list[str]] = {}
    for key, value in params.items():
        if key in drop or value is None:
            continue
        values = [value] if isinstance(value, str | int | float | bool) else list(value)  # type: ignore[arg-type]
        values = [str(v) for v in values if str(v) != ""]
        if values:
            out[key] = values
    return out


def last_value(params: Params, name: str) -> str:
    """The last value of ``name`` in URL parameters (``?a=1&a=2`` -> ``"2"``), stripped; "" when absent."""
    value = params.get(name)
    if isinstance(value, list | tuple):
        value = value[-1] if value else ""
    return str(value or "").strip()


def page_params(params: Params) -> dict[str, list[str]]:
    """The page's own parameters of a URL (the app's, such as ``lang``, left out), normalised."""
    return normalise_params(params, APP_PARAMS)


@dataclass(frozen=True)
class Arrival(Generic[S]):
    """The state a run starts from, and whether it came from the URL."""

    state: S
    from_url: bool


def arrive(
    url: Params,
    stored: S | None,
    written: Params | None,
    parse: Callable[[Params], S],
    from_elsewhere: bool = False,
) -> Arrival[S]:
    """The state of a page at the start of a run.

    Parameters
    ----------
    url
        The query parameters of the URL of this run.
    stored
        The state the session kept for the page (``None`` on the first visit).
    written
        The page's parameters as the page last wrote them to the URL (``None``: never).
    parse
        URL parameters -> state; unknown or malformed values dropped.
    from_elsewhere
        True when the previous run of the session showed another page.

    Returns
    -------
    Arrival
        ``from_url`` is True when the URL was taken (first visit, link, Back, Forward): the
        widgets must then be set from the state, whatever they held.
    """
    if stored is not None and from_elsewhere and not page_params(url):
        return Arrival(stored, True)  # the widgets were dropped on the other page: fill them all
    if stored is None or written is None or page_params(url) != page_params(written):
        return Arrival(parse(url), True)
    return Arrival(stored, False)
