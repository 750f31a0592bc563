"""Tests of opening hours: parsing, open or closed at a moment, and the schedule in words."""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from babel.dates import get_day_names

from solidarity import hours
from solidarity.hours import describe, is_open_now, parse, status_line
from solidarity.i18n import set_language

WEEKDAYS = "Mo-Fr 09:00-17:00; Sa 10:00-12:00"
BRUSSELS = ZoneInfo("Europe/Brussels")
# Monday 24 November 2025 .. Sunday 30 November 2025; Thursday 25 December 2025 is a public holiday.
MON, TUE, SAT, SUN = 24, 25, 29, 30


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2025, month, day, hour, minute)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    set_language("en")
    yield
    set_language("nl")


@pytest.mark.parametrize(
    ("expr", "moment", "expected"),
    [
        (WEEKDAYS, at(MON, 10), True),
        (WEEKDAYS, at(MON, 8, 59), False),
        (WEEKDAYS, at(MON, 9), True),
        (WEEKDAYS, at(MON, 17), False),
        (WEEKDAYS, at(SAT, 11), True),
        (WEEKDAYS, at(SAT, 12, 30), False),
        (WEEKDAYS, at(SUN, 11), False),
        ("24/7", at(SUN, 3), True),
        ("off", at(MON, 10), False),
        ("closed", at(MON, 10), False),
        ("Mo-Fr 09:00-17:00; PH off", at(25, 10, month=12), False),  # Christmas
        ("Mo-Fr 09:00-17:00; PH off", at(24, 10, month=12), True),
        ("Mo-Fr 22:00-02:00", at(SAT, 1), True),  # Friday night runs into Saturday
        ("Mo-Fr 09:00-17:00; Mo-Fr 12:00-13:00 off", at(MON, 12, 30), False),
        ("Mo 10:00-12:00 unknown", at(MON, 11), None),
        ("ma-vr 9u-17u", at(MON, 10), None),
        ("", at(MON, 10), None),
        (None, at(MON, 10), None),
        (float("nan"), at(MON, 10), None),
    ],
)
def test_is_open_now(expr: object, moment: datetime, expected: bool | None) -> None:
    assert is_open_now(expr, moment) is expected


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2025, 11, 24, 8, 30, tzinfo=UTC), True),  # 09:30 in Brussels (CET)
        (datetime(2025, 11, 24, 7, 30, tzinfo=UTC), False),  # 08:30 in Brussels
        (datetime(2025, 7, 7, 7, 30, tzinfo=UTC), True),  # 09:30 in Brussels (CEST)
        (datetime(2025, 11, 24, 9, 30, tzinfo=BRUSSELS), True),
        (datetime(2025, 11, 24, 9, 30), True),  # naive = Brussels time
    ],
)
def test_aware_datetimes_are_converted_to_brussels_time(moment: datetime, expected: bool) -> None:
    assert is_open_now("Mo-Fr 09:00-17:00", moment) is expected


def test_parse_returns_none_for_unparsable_and_empty_values_and_never_raises() -> None:
    for value in ("ma-vr 9u-17u", "", "   ", None, float("nan"), "Mo-Fr 24:00-25:00", "x" * 5000, "Mo-Fr 9-17"):
        assert parse(value) is None
    assert parse(WEEKDAYS) is not None


def test_parse_is_cached() -> None:
    assert parse("Mo-Fr 09:00-17:00; Sa 10:00-12:00") is parse(" Mo-Fr 09:00-17:00; Sa 10:00-12:00 ")


@pytest.mark.parametrize("language", ["nl", "en", "fr", "ar", "tr"])
def test_describe_uses_babel_weekday_names(language: str) -> None:
    names = get_day_names("wide", locale=language)
    text = describe(WEEKDAYS, language)
    for day in (0, 4, 5):  # Monday, Friday, Saturday
        assert names[day] in text
    assert "09:00–17:00" in text and "10:00–12:00" in text
    assert "Mo-Fr" not in text


def test_describe_in_english() -> None:
    assert describe(WEEKDAYS, "en") == "Monday to Friday 09:00–17:00; Saturday 10:00–12:00"


def test_describe_in_dutch_with_the_catalogue_translation(monkeypatch: pytest.MonkeyPatch) -> None:
    class Dutch(gettext.NullTranslations):
        def gettext(self, message: str) -> str:
            return {"{first} to {last}": "{first} tot {last}"}.get(message, message)

    monkeypatch.setattr(hours, "translations", lambda language: Dutch())
    assert describe(WEEKDAYS, "nl") == "maandag tot vrijdag 09:00–17:00; zaterdag 10:00–12:00"


def test_describe_without_a_translated_range_uses_the_locale_interval_pattern() -> None:
    text = describe("Mo-Fr 09:00-17:00", "de")  # no catalogue for German: Babel's data alone
    assert text.startswith("Montag") and "Freitag" in text and " to " not in text


def test_describe_uses_the_current_language_by_default() -> None:
    set_language("fr")
    assert "lundi" in describe(WEEKDAYS)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("24/7", "open 24/7"),
        ("off", "closed"),
        ("PH off", "public holidays: closed"),
        ("Mo-Fr 09:00-17:00; PH off", "Monday to Friday 09:00–17:00; public holidays: closed"),
        ("Mo,We,Fr 09:00-12:00,13:00-17:00", "Monday, Wednesday, and Friday 09:00–12:00 and 13:00–17:00"),
        ("Mo-We,Fr 9:00-17:00", "Monday to Wednesday and Friday 09:00–17:00"),
        ("09:00-17:00", "every day 09:00–17:00"),
        ("Mo-Su 10:00-18:00", "every day 10:00–18:00"),
        ("Su off", "Sunday: closed"),
        ("Mo-Fr", "Monday to Friday 00:00–24:00"),
        ("Mo-Fr 22:00-26:00", "Monday to Friday 22:00–02:00"),
    ],
)
def test_describe_simple_expressions(expr: str, expected: str) -> None:
    assert describe(expr, "en") == expected


@pytest.mark.parametrize(
    "expr",
    [
        "ma-vr 9u-17u",  # unparsable
        "Jan-Mar Mo 10:00-12:00",  # months
        'Mo-Fr 08:00-12:00 "by appointment"',  # comment
        "Mo-Fr 10:00-12:00, Sa 10:00-12:00",  # additional rule
        'Mo-Fr 09:00-17:00 || "call"',  # fallback rule
        "Mo sunrise-sunset",
        "Mo[1] 10:00-12:00",
        "SH off",
    ],
)
def test_describe_falls_back_to_the_value_as_written(expr: str) -> None:
    for language in ("nl", "en", "ar"):
        assert describe(expr, language) == expr
    assert describe(f"  {expr} ", "en") == expr


def test_unparsable_value_is_none_unknown_and_shown_as_written() -> None:
    assert parse("ma-vr 9u-17u") is None
    assert is_open_now("ma-vr 9u-17u", at(MON, 10)) is None
    assert describe("ma-vr 9u-17u", "nl") == "ma-vr 9u-17u"
    assert status_line("ma-vr 9u-17u", at(MON, 10)) == "Opening hours unknown"


@pytest.mark.parametrize("empty", ["", "  ", None, float("nan")])
def test_empty_value_is_unknown(empty: object) -> None:
    assert describe(empty, "en") == "Opening hours unknown"
    assert status_line(empty, at(MON, 10)) == "Opening hours unknown"
    assert is_open_now(empty, at(MON, 10)) is None


@pytest.mark.parametrize(
    ("expr", "moment", "expected"),
    [
        (WEEKDAYS, at(MON, 10), "Open now, until 17:00"),
        (WEEKDAYS, at(MON, 8), "Closed now, opens at 09:00"),
        (WEEKDAYS, at(MON, 18), "Closed now, opens tomorrow at 09:00"),
        (WEEKDAYS, at(SAT, 11), "Open now, until 12:00"),
        (WEEKDAYS, at(SAT, 13), "Closed now, opens Monday 09:00"),
        ("Mo-Fr 09:00-17:00; PH off", at(24, 18, month=12), "Closed now, opens Friday 09:00"),
        ("Mo-Fr 18:00-24:00", at(MON, 19), "Open now, until 24:00"),
        ("Mo-Fr", at(MON, 19), "Open now, until Friday 24:00"),
        ("Mo-Fr 22:00-02:00", at(MON, 23), "Open now, until Tuesday 02:00"),
        ("24/7", at(SUN, 3), "Open now"),
        ("off", at(MON, 10), "Closed now"),
        ("Dec 25 10:00-12:00", at(TUE, 11), "Closed now, opens Dec 25, 2025"),
        ("Mo 10:00-12:00 unknown", at(MON, 11), "May be open now"),
    ],
)
def test_status_line(expr: str, moment: datetime, expected: str) -> None:
    assert status_line(expr, moment) == expected


def test_status_line_names_the_day_in_the_current_language() -> None:
    set_language("fr")
    assert "lundi" in status_line(WEEKDAYS, at(SAT, 13))


def test_status_line_without_now_uses_the_clock() -> None:
    assert status_line("24/7") == "Open now"
    assert is_open_now("off") is False
