"""How fresh an initiative's facts are: ``last_verified``, and the entries not checked for a year (no Streamlit).

An entry never checked (no date) or checked more than :data:`STALE_AFTER` ago is *stale*: the
map shows it in a paler style with its date, never hides it; the team's page lists them, oldest
first, with a "still correct" button that records today's date as a change.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from babel.dates import format_date

from solidarity.i18n import N_, _, get_language

#: "Not verified for 12 months".
STALE_AFTER = dt.timedelta(days=365)
CHECKED = N_("Last checked: {date}")
NEVER = N_("Not checked yet")
STALE_NOTE = N_("more than a year ago: the details may have changed")


def parse_day(value: object) -> dt.date | None:
    """The date of a ``last_verified`` value, or None (empty or not a date)."""
    text = str(value or "").strip()
    try:
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def is_stale(value: object, today: dt.date | None = None) -> bool:
    """True when the entry was never checked or last checked more than :data:`STALE_AFTER` ago."""
    day = parse_day(value)
    today = today or dt.date.today()
    return day is None or today - day > STALE_AFTER


def stale_mask(values: pd.Series, today: dt.date | None = None) -> pd.Series:
    """:func:`is_stale` for a whole column (vectorised: the catalogue computes it once per data version)."""
    today = today or dt.date.today()
    days = pd.to_datetime(values.fillna("").astype(str).str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    limit = pd.Timestamp(today - STALE_AFTER)
    return (days.isna() | (days < limit)).astype(bool)


def checked_text(value: object, language: str | None = None) -> str:
    """"Last checked: 1 May 2024" (in the language's words) or "Not checked yet"."""
    day = parse_day(value)
    if day is None:
        return _(NEVER)
    return _(CHECKED).format(date=format_date(day, format="medium", locale=language or get_language()))


def stale_entries(initiatives: pd.DataFrame, today: dt.date | None = None) -> pd.DataFrame:
    """The initiatives not checked for a year (never checked first, then the oldest), for the team's list."""
    mask = stale_mask(initiatives["last_verified"], today)
    frame = initiatives[mask].copy()
    frame["_day"] = pd.to_datetime(frame["last_verified"].fillna("").astype(str).str.slice(0, 10), format="%Y-%m-%d",
                                   errors="coerce")  # fmt: skip
    return frame.sort_values(["_day", "name"], na_position="first").drop(columns="_day")
