"""Opening hours in OpenStreetMap ``opening_hours`` syntax: parse, evaluate and put into words."""

from __future__ import annotations

import datetime as _dt
import re
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, get_day_names
from babel.lists import format_list
from opening_hours import OpeningHours, State

from solidarity.i18n import N_, _, get_language, translations

#: All opening hours are local time in Antwerp.
TIMEZONE = ZoneInfo("Europe/Brussels")

#: Country whose public holidays ``PH`` means.
COUNTRY = "BE"

#: Values longer than this are not parsed (OSM caps tags at 255 characters); shown as written.
MAX_LENGTH = 1000

#: How far ahead ``status_line`` looks for the next change of state.
LOOKAHEAD = _dt.timedelta(days=31)

# Phrases of the schedule in words (msgids; translated in the language asked for).
RANGE = N_("{first} to {last}")
EVERY_DAY = N_("every day")
PUBLIC_HOLIDAYS = N_("public holidays")
OPEN_24_7 = N_("open 24/7")
CLOSED = N_("closed")
WHEN_CLOSED = N_("{when}: closed")
UNKNOWN = N_("Opening hours unknown")

_DAY_CODES = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_DAY = r"(?:Mo|Tu|We|Th|Fr|Sa|Su)"
_DAY_ITEM = rf"(?:{_DAY}(?:-{_DAY})?|PH)"
_TIME = r"\d\d:\d\d"
_SPAN = rf"{_TIME}-{_TIME}"
#: One rule of the simple subset, in the canonical form the parser prints.
_SIMPLE_RULE = re.compile(
    rf"(?P<days>{_DAY_ITEM}(?:,{_DAY_ITEM})*)?"
    rf"(?: ?(?P<times>{_SPAN}(?:,{_SPAN})*))?"
    r"(?: ?(?P<closed>closed))?"
)


#: Errors never caught: everything else from the Rust library is. Its ``ParserError`` is an
#: ``Exception``, but pyo3's ``PanicException`` (an internal bug) derives from ``BaseException``.
_FATAL = (KeyboardInterrupt, SystemExit, GeneratorExit)


def _text(expr: object) -> str:
    if expr is None or (isinstance(expr, float) and expr != expr):  # None or NaN from pandas
        return ""
    return str(expr).strip()


@lru_cache(maxsize=4096)
def _parse_text(text: str) -> OpeningHours | None:
    try:
        return OpeningHours(text, country=COUNTRY, max_interval_days=366)
    except BaseException as exc:  # ParserError, or a panic in the library: nothing may escape
        if isinstance(exc, _FATAL):
            raise
        return None


def parse(expr: object) -> OpeningHours | None:
    """Parse an ``opening_hours`` value; ``None`` when it is empty or not valid syntax.

    Never raises. Parses are cached by text, and ``PH`` means Belgian public holidays.

    Parameters
    ----------
    expr
        The value as stored (a string; ``None`` and pandas' ``nan`` count as empty).

    Returns
    -------
    opening_hours.OpeningHours or None
        The parsed expression, or ``None`` for an empty or unparsable value.
    """
    text = _text(expr)
    if not text or len(text) > MAX_LENGTH:
        return None
    return _parse_text(text)


def local_time(now: _dt.datetime | None = None) -> _dt.datetime:
    """``now`` as naive Europe/Brussels wall-clock time (the current time when ``None``).

    A naive ``now`` is taken to be Brussels time already; an aware one is converted.
    """
    if now is None:
        return _dt.datetime.now(TIMEZONE).replace(tzinfo=None)
    if now.tzinfo is not None and now.utcoffset() is not None:
        return now.astimezone(TIMEZONE).replace(tzinfo=None)
    return now.replace(tzinfo=None)


def is_open_now(expr: object, now: _dt.datetime | None = None) -> bool | None:
    """Whether the place is open at ``now``.

    Parameters
    ----------
    expr
        The ``opening_hours`` value.
    now
        The moment (naive = Brussels time, aware = converted); the current time when ``None``.

    Returns
    -------
    bool or None
        ``True`` open, ``False`` closed, ``None`` unknown (empty or unparsable value, or the
        expression itself says ``unknown``).
    """
    parsed = parse(expr)
    if parsed is None:
        return None
    try:
        state = parsed.state(local_time(now))[0]
    except BaseException as exc:
        if isinstance(exc, _FATAL):
            raise
        return None
    if state == State.OPEN:
        return True
    if state == State.CLOSED:
        return False
    return None


def _locale(language: str) -> Locale:
    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse("en")


def _translate(language: str, message: str) -> str:
    return translations(language).gettext(message)


def _range_pattern(language: str, locale: Locale) -> str:
    """``"{first} to {last}"`` in ``language``; CLDR's neutral ``first – last`` if untranslated."""
    pattern = _translate(language, RANGE)
    if pattern != RANGE or locale.language == "en":
        return pattern
    fallback = str(locale.interval_formats.get(None) or "{0} – {1}")
    return fallback.replace("{0}", "{first}").replace("{1}", "{last}")


def _hhmm(value: str) -> str:
    hours, minutes = value.split(":")
    number = int(hours)
    if number > 24:  # "22:00-26:00" ends at 02:00 the next day
        number -= 24
    return f"{number:02d}:{minutes}"


def _describe_rule(rule: str, language: str, locale: Locale) -> str | None:
    """One canonical rule in words, or ``None`` when it is outside the simple subset."""
    if rule == "24/7":
        return _translate(language, OPEN_24_7)
    if rule == "24/7 closed":
        return _translate(language, CLOSED)
    match = _SIMPLE_RULE.fullmatch(rule)
    if match is None or not rule:
        return None
    days, times, closed = match.group("days"), match.group("times"), match.group("closed")
    day_names = get_day_names("wide", locale=locale)
    parts: list[str] = []
    if days:
        items: list[str] = []
        for item in days.split(","):
            if item == "PH":
                items.append(_translate(language, PUBLIC_HOLIDAYS))
            elif item == "Mo-Su":
                items.append(_translate(language, EVERY_DAY))
            elif "-" in item:
                first, last = item.split("-")
                items.append(
                    _range_pattern(language, locale).format(
                        first=day_names[_DAY_CODES.index(first)], last=day_names[_DAY_CODES.index(last)]
                    )
                )
            else:
                items.append(day_names[_DAY_CODES.index(item)])
        parts.append(format_list(items, locale=locale))
    elif times:
        parts.append(_translate(language, EVERY_DAY))
    if times:
        spans = [f"{_hhmm(start)}–{_hhmm(end)}" for start, end in (span.split("-") for span in times.split(","))]
        parts.append(format_list(spans, locale=locale))
    elif days and not closed:
        parts.append("00:00–24:00")
    when = " ".join(parts)
    if closed:
        return _translate(language, WHEN_CLOSED).format(when=when)
    return when


def describe(expr: object, language: str | None = None, now: _dt.datetime | None = None) -> str:
    """The schedule in words, in ``language``.

    Simple expressions (weekday ranges and lists, ``PH``, time ranges, ``24/7``, ``off`` or
    ``closed``) are written out with the weekday names and list patterns of Babel's locale
    data, so any Babel locale works; e.g. ``"Mo-Fr 09:00-17:00; Sa 10:00-12:00"`` becomes
    ``"Monday to Friday 09:00–17:00; Saturday 10:00–12:00"`` in English. The connecting
    phrases are gettext msgids translated in ``language``; while ``"{first} to {last}"`` has
    no translation, day ranges use the locale's neutral interval pattern (``maandag – vrijdag``).
    Anything else (months, week numbers, comments, sun times, fallback rules, ...) and any
    unparsable value is returned as written. The result is plain text: escape it for HTML.

    Parameters
    ----------
    expr
        The ``opening_hours`` value.
    language
        A language or Babel locale code (``"nl"``, ``"fr_BE"``); the current one when ``None``.
    now
        Accepted for symmetry with :func:`status_line`; the schedule does not depend on it.

    Returns
    -------
    str
        The description; ``"Opening hours unknown"`` (translated) for an empty value.
    """
    language = language or get_language()
    text = _text(expr)
    if not text:
        return _translate(language, UNKNOWN)
    parsed = parse(text)
    if parsed is None:
        return text
    locale = _locale(language)
    rendered: list[str] = []
    for rule in str(parsed).split("; "):
        words = _describe_rule(rule.strip(), language, locale)
        if words is None:
            return text
        rendered.append(words)
    return "; ".join(rendered)


def _open_intervals(parsed: OpeningHours, start: _dt.datetime) -> list[tuple[_dt.datetime, _dt.datetime, State]]:
    """State intervals from ``start`` over :data:`LOOKAHEAD`, with equal neighbours merged."""
    merged: list[tuple[_dt.datetime, _dt.datetime, State]] = []
    for begin, end, state, _comment in parsed.intervals(start, start + LOOKAHEAD):
        if merged and merged[-1][2] == state and merged[-1][1] == begin:
            merged[-1] = (merged[-1][0], end, state)
        else:
            merged.append((begin, end, state))
    return merged


def _day_name(moment: _dt.datetime) -> str:
    return str(get_day_names("wide", locale=_locale(get_language()))[moment.weekday()])


def status_line(expr: object, now: _dt.datetime | None = None) -> str:
    """A short phrase on whether the place is open now, in the current language.

    E.g. "Open now, until 17:00", "Closed now, opens Monday 09:00", "Opening hours unknown".

    Parameters
    ----------
    expr
        The ``opening_hours`` value.
    now
        The moment (naive = Brussels time, aware = converted); the current time when ``None``.

    Returns
    -------
    str
        The translated phrase. Empty and unparsable values give "Opening hours unknown"
        (show :func:`describe` beside it: it gives an unparsable value as written).
    """
    parsed = parse(expr)
    if parsed is None:
        return _("Opening hours unknown")
    moment = local_time(now)
    try:
        intervals = _open_intervals(parsed, moment)
    except BaseException as exc:
        if isinstance(exc, _FATAL):
            raise
        return _("Opening hours unknown")
    if not intervals:
        return _("Opening hours unknown")
    _start, end, state = intervals[0]
    if state == State.OPEN:
        if len(intervals) == 1:  # open for the whole look-ahead window
            return _("Open now")
        day, time = end, end.strftime("%H:%M")
        if end.time() == _dt.time(0, 0):  # closes at midnight: "until Friday 24:00", not "Saturday 00:00"
            day, time = end - _dt.timedelta(days=1), "24:00"
        if day.date() == moment.date():
            return _("Open now, until {time}").format(time=time)
        return _("Open now, until {day} {time}").format(day=_day_name(day), time=time)
    if state == State.UNKNOWN:
        return _("May be open now")
    opening = next((begin for begin, _end, later in intervals[1:] if later == State.OPEN), None)
    if opening is None:
        return _("Closed now")
    time = opening.strftime("%H:%M")
    if opening.date() == moment.date():
        return _("Closed now, opens at {time}").format(time=time)
    if opening.date() == moment.date() + _dt.timedelta(days=1):
        return _("Closed now, opens tomorrow at {time}").format(time=time)
    if opening.date() - moment.date() < _dt.timedelta(days=7):
        return _("Closed now, opens {day} {time}").format(day=_day_name(opening), time=time)
    date = format_date(opening.date(), "medium", locale=_locale(get_language()))
    return _("Closed now, opens {date}").format(date=date)
