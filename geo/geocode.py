"""Geocoding chain: validation, cache, offline gazetteer, Nominatim (rate-limited), fallbacks."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import requests
from geopy.exc import GeocoderQuotaExceeded, GeocoderServiceError, GeocoderTimedOut

from geo.gazetteer import (
    ANTWERP_POSTCODES,
    KINDS,
    POSTCODE_PLACES,
    Gazetteer,
    Match,
    Place,
    normalise,
    parse_coordinates,
)
from solidarity.i18n import N_
from solidarity.model import ANTWERP_BBOX

if TYPE_CHECKING:
    from solidarity.settings import Settings

log = logging.getLogger(__name__)

#: Longest query accepted; longer text is never sent anywhere.
MAX_QUERY_CHARS = 200
#: Most places offered to choose from.
MAX_PLACES = 5
#: Matches within this many points of the best one are equally good (-> "choose").
CLOSE_SCORE = 3.0
#: A single fuzzy gazetteer match below this score is offered for confirmation ("choose").
CONFIDENT_SCORE = 88.0
#: Nominatim's viewbox for Antwerp: two (lat, lon) corners.
VIEWBOX = [(ANTWERP_BBOX[0], ANTWERP_BBOX[1]), (ANTWERP_BBOX[2], ANTWERP_BBOX[3])]
#: Version of the cache keys: bump it when the meaning of a cached answer changes.
CACHE_KEY_VERSION = "v1"

STATUSES = ("ok", "choose", "not_found", "outside", "invalid")

MSG_EMPTY = N_("Type an address, a street, a postcode or a neighbourhood.")
MSG_TOO_LONG = N_(
    "This is too long. Type at most {max} characters: an address, a street, a postcode or a neighbourhood."
)
MSG_NOTHING_TO_SEARCH = N_("Type letters or numbers: an address, a street, a postcode or a neighbourhood.")
MSG_COORDINATES_OUTSIDE = N_("These coordinates are outside Antwerp. This map only covers the city of Antwerp.")
MSG_POSTCODE_OUTSIDE = N_(
    "Postcode {postcode} is not in Antwerp. This map only covers the city of Antwerp (for example 2000, 2060 or 2140)."
)
MSG_CHOOSE = N_("Several places match. Choose one.")
MSG_CONFIRM = N_("Is this the place you mean?")
MSG_NOT_FOUND = N_(
    "We could not find this place in Antwerp. Check the spelling, or try a street name, a postcode or a neighbourhood."
)
MSG_NOT_FOUND_OFFLINE = N_(
    "The online address search is not available right now, and this place is not in our own list. "
    "Try a street name, a postcode or a neighbourhood."
)
MSG_ONLINE_FALLBACK = N_(
    "The online address search is not available right now, so we searched our own list of streets and neighbourhoods."
)
MSG_STREET_ONLY = N_("We could not look up the house number, so we show the middle of the street.")
MSG_POSTCODE_ONLY = N_("We could not find the street, so we show the area of postcode {postcode}.")

_FOUR_DIGITS_ALONE = re.compile(r"^\s*(\d{4})\s*$")
_FOUR_DIGITS_BEFORE_WORD = re.compile(r"(?<![\d.,])(\d{4})\s+[^\W\d_]")
_ANTWERP_PLACE_WORDS = frozenset(
    tok for name in (*POSTCODE_PLACES.values(), "Antwerp", "Anvers") for tok in normalise(name).split()
)


@dataclass
class GeocodeResult:
    """The answer to a search: places to show, or a message saying why there are none."""

    #: ``ok``, ``choose``, ``not_found``, ``outside`` or ``invalid``.
    status: str
    places: list[Place] = field(default_factory=list)
    #: English msgid (translate with ``_``, then fill ``params`` with :meth:`text`); "" for nothing to say.
    message: str = ""
    #: Labels for "did you mean" when nothing was found.
    suggestions: list[str] = field(default_factory=list)
    #: ``nominatim``, ``gazetteer``, ``cache`` or ``coordinates`` ("" when nothing was looked up).
    source: str = ""
    #: ``timeout``, ``unavailable`` or ``rate_limited`` when Nominatim failed and the fallback answered.
    online_error: str | None = None
    #: Values for the ``{placeholders}`` of ``message`` (never user text).
    params: dict[str, str] = field(default_factory=dict)

    def text(self, translate: Callable[[str], str] = lambda s: s) -> str:
        """The message translated with ``translate`` (e.g. ``solidarity.i18n._``), placeholders filled.

        Parameters
        ----------
        translate : callable
            Maps a msgid to the translated text; default the identity.

        Returns
        -------
        str
            The text to show; "" when there is no message.
        """
        if not self.message:
            return ""
        try:
            return translate(self.message).format(**self.params)
        except (KeyError, IndexError, ValueError):  # a broken translation: fall back to English
            return self.message.format(**self.params)


@runtime_checkable
class GeocodeCache(Protocol):
    """Storage of successful answers, by normalised query key."""

    def get(self, key: str) -> list[Place] | None:
        """The places stored for ``key``, or ``None``."""
        ...

    def put(self, key: str, places: list[Place]) -> None:
        """Store ``places`` for ``key``."""
        ...


class MemoryCache:
    """A bounded, thread-safe in-memory :class:`GeocodeCache` (least recently used goes first)."""

    def __init__(self, maxsize: int = 1024) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[str, list[Place]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> list[Place] | None:
        """The places stored for ``key``, or ``None``."""
        with self._lock:
            places = self._data.get(key)
            if places is not None:
                self._data.move_to_end(key)
            return list(places) if places is not None else None

    def put(self, key: str, places: list[Place]) -> None:
        """Store ``places`` for ``key``, dropping the oldest entry when full."""
        with self._lock:
            self._data[key] = list(places)
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        """Number of stored keys."""
        return len(self._data)


def places_to_json(places: Sequence[Place]) -> str:
    """Places as a JSON text, for a store-backed cache.

    Parameters
    ----------
    places : sequence of Place
        The places to store.

    Returns
    -------
    str
        A JSON array of objects with the fields of :class:`Place`.
    """
    return json.dumps([asdict(p) for p in places], ensure_ascii=False, separators=(",", ":"))


def places_from_json(text: str) -> list[Place]:
    """Places read back from :func:`places_to_json`; malformed items are skipped.

    Parameters
    ----------
    text : str
        JSON produced by :func:`places_to_json`.

    Returns
    -------
    list of Place
        The places; empty when ``text`` is not valid (treat as a cache miss).
    """
    try:
        items = json.loads(text)
    except (TypeError, ValueError):
        return []
    places: list[Place] = []
    for item in items if isinstance(items, list) else []:
        try:
            place = Place(
                label=str(item["label"]),
                lat=float(item["lat"]),
                lon=float(item["lon"]),
                kind=str(item["kind"]),
                postcode=None if item.get("postcode") is None else str(item["postcode"]),
                source=str(item.get("source") or "cache"),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
        if place.kind in KINDS:
            places.append(place)
    return places


def cache_key(text: str) -> str:
    """The cache key of a query: versioned, normalised (house numbers kept).

    Parameters
    ----------
    text : str
        The query as typed.

    Returns
    -------
    str
        E.g. ``"v1:willy vandersteenplein 1 2060 antwerpen"``.
    """
    return f"{CACHE_KEY_VERSION}:{normalise(text)}"


def clean_query(text: object) -> str:
    """``text`` without control or format characters, whitespace collapsed.

    Parameters
    ----------
    text : object
        What was typed (``None`` counts as empty).

    Returns
    -------
    str
        The cleaned text.
    """
    raw = "" if text is None else str(text)
    kept = []
    for ch in raw:
        category = unicodedata.category(ch)
        if category == "Cc" or category in ("Zl", "Zp"):
            kept.append(" ")
        elif not category.startswith("C"):
            kept.append(ch)
    return " ".join("".join(kept).split())


def in_antwerp(lat: float, lon: float) -> bool:
    """Whether the point lies inside Antwerp's bounding box (``model.ANTWERP_BBOX``)."""
    south, west, north, east = ANTWERP_BBOX
    return south <= lat <= north and west <= lon <= east


class RateLimiter:
    """At most one request per ``min_interval`` seconds, shared by all threads.

    :meth:`acquire` reserves the next free slot and sleeps until it, but never longer than
    ``max_wait``; when the slot is further away it returns ``False`` without waiting.
    """

    _shared: dict[tuple[Any, Any, float], RateLimiter] = {}
    _shared_lock = threading.Lock()

    def __init__(
        self,
        min_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.min_interval = float(min_interval)
        self.clock = clock
        self.sleep = sleep
        self._next = float("-inf")
        self._lock = threading.Lock()

    @classmethod
    def shared(
        cls,
        min_interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> RateLimiter:
        """The process-wide limiter for this clock and interval (created on first use)."""
        with cls._shared_lock:
            key = (clock, sleep, float(min_interval))
            if key not in cls._shared:
                cls._shared[key] = cls(min_interval, clock, sleep)
            return cls._shared[key]

    def acquire(self, max_wait: float = 1.0) -> bool:
        """Take the next slot, sleeping at most ``max_wait`` seconds.

        Parameters
        ----------
        max_wait : float
            Longest acceptable wait.

        Returns
        -------
        bool
            ``True`` when the caller may send its request now.
        """
        with self._lock:
            now = self.clock()
            slot = max(now, self._next)
            wait = slot - now
            if wait > max_wait:
                return False
            self._next = slot + self.min_interval
        if wait > 0:
            self.sleep(wait)
        return True


def make_nominatim(settings: Settings) -> Any:
    """The Nominatim client for ``settings``, or ``None`` when ``GEOCODER`` is ``offline``.

    Parameters
    ----------
    settings : Settings
        Uses ``GEOCODER``, ``NOMINATIM_DOMAIN``, ``NOMINATIM_USER_AGENT`` and ``GEOCODER_TIMEOUT``.

    Returns
    -------
    geopy.geocoders.Nominatim or None
        A client with the timeout of the settings and no retries
        (``RequestsAdapter(max_retries=0)``: the default adapter retries twice).
    """
    if str(settings.GEOCODER).strip().lower() == "offline":
        return None
    from geopy.adapters import RequestsAdapter
    from geopy.geocoders import Nominatim

    return Nominatim(
        user_agent=settings.NOMINATIM_USER_AGENT,
        domain=settings.NOMINATIM_DOMAIN,
        timeout=settings.GEOCODER_TIMEOUT,
        adapter_factory=partial(RequestsAdapter, max_retries=0),
    )


def _online_error(exc: BaseException) -> str:
    """``timeout``, ``rate_limited`` or ``unavailable`` for an exception of the online geocoder."""
    if isinstance(exc, GeocoderTimedOut):
        return "timeout"
    if isinstance(exc, GeocoderQuotaExceeded):  # includes GeocoderRateLimited
        return "rate_limited"
    if isinstance(exc, requests.Timeout):
        return "timeout"
    return "unavailable"


class Geocoder:
    """Turns typed text into places in Antwerp; never raises, never waits much over 3 s.

    Parameters
    ----------
    gazetteer : Gazetteer
        The offline gazetteer (fast path and fallback).
    cache : GeocodeCache
        Where answers from Nominatim are kept, so a query is never sent twice.
    nominatim : object, optional
        A geopy-style geocoder (``geocode(query, exactly_one=False, limit=..., country_codes=...,
        viewbox=..., bounded=...)``), e.g. from :func:`make_nominatim`; ``None`` for offline mode.
    clock : callable
        Monotonic clock of the rate limiter.
    min_interval : float
        Seconds between two Nominatim requests in the whole process.
    limiter : RateLimiter, optional
        The limiter to use; default the process-wide one for ``clock`` and ``min_interval``.
    sleep : callable
        Used by the limiter to wait for its slot.
    max_wait : float
        Longest wait for the limiter; beyond that the gazetteer answers (``rate_limited``).
    """

    def __init__(
        self,
        gazetteer: Gazetteer,
        cache: GeocodeCache,
        nominatim: Any = None,
        clock: Callable[[], float] = time.monotonic,
        min_interval: float = 1.0,
        *,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = 1.0,
    ) -> None:
        self.gazetteer = gazetteer
        self.cache = cache
        self.nominatim = nominatim
        self.limiter = limiter or RateLimiter.shared(min_interval, clock, sleep)
        self.max_wait = max_wait

    @classmethod
    def from_settings(cls, settings: Settings, gazetteer: Gazetteer, cache: GeocodeCache) -> Geocoder:
        """A geocoder using Nominatim as configured in ``settings`` (none when offline)."""
        return cls(gazetteer, cache, make_nominatim(settings))

    def geocode(self, text: object) -> GeocodeResult:
        """Places in Antwerp for ``text``.

        Parameters
        ----------
        text : object
            What the user typed: an address, street, postcode, wijk, centre or coordinates.

        Returns
        -------
        GeocodeResult
            ``ok`` (one place), ``choose`` (up to five), ``not_found`` (with suggestions),
            ``outside`` or ``invalid``; the message explains any status but ``ok``.
        """
        try:
            return self._geocode(text)
        except Exception:  # never leave the user with a traceback
            log.exception("Geocoding failed unexpectedly")
            return GeocodeResult("not_found", message=MSG_NOT_FOUND)

    def _geocode(self, text: object) -> GeocodeResult:
        query = clean_query(text)
        if not query:
            return GeocodeResult("invalid", message=MSG_EMPTY)
        if len(query) > MAX_QUERY_CHARS:
            return GeocodeResult("invalid", message=MSG_TOO_LONG, params={"max": str(MAX_QUERY_CHARS)})
        if not any(ch.isalnum() for ch in query):
            return GeocodeResult("invalid", message=MSG_NOTHING_TO_SEARCH)

        coordinates = parse_coordinates(query)
        if coordinates is not None:
            return self._coordinates(*coordinates)

        postcode = _typed_postcode(query)
        if postcode is not None and postcode not in ANTWERP_POSTCODES | self.gazetteer.postcodes:
            return GeocodeResult("outside", message=MSG_POSTCODE_OUTSIDE, params={"postcode": postcode})

        key = cache_key(query)
        cached = self._cache_get(key)
        if cached:
            places = [replace(p, source="cache") for p in cached[:MAX_PLACES]]
            return self._answer(places, "cache")

        parsed = self.gazetteer.parse(query)
        matches = self.gazetteer.search(query, limit=MAX_PLACES)
        exact = bool(matches) and matches[0].score >= 100.0
        if exact and (parsed.house_number is None or matches[0].place.kind != "street"):
            return self._from_matches(matches, query)

        if self.nominatim is None:
            return self._from_matches(matches, query)
        if not self.limiter.acquire(self.max_wait):
            return self._from_matches(matches, query, online_error="rate_limited")
        try:
            places = self._ask_nominatim(query)
        except Exception as exc:  # GeocoderServiceError, requests errors, anything from the client
            if not isinstance(exc, GeocoderServiceError):
                log.warning("Online geocoder raised %r", exc)
            return self._from_matches(matches, query, online_error=_online_error(exc))
        if places:
            self._cache_put(key, places)
            return self._answer(places, "nominatim")
        return self._from_matches(matches, query)

    def _coordinates(self, lat: float, lon: float) -> GeocodeResult:
        if not in_antwerp(lat, lon) and in_antwerp(lon, lat):
            lat, lon = lon, lat  # typed as "lon, lat"
        if not in_antwerp(lat, lon):
            return GeocodeResult("outside", message=MSG_COORDINATES_OUTSIDE, source="coordinates")
        place = Place(f"{lat:.5f}, {lon:.5f}", lat, lon, "coordinates", None, "coordinates")
        return GeocodeResult("ok", [place], source="coordinates")

    def _answer(self, places: list[Place], source: str) -> GeocodeResult:
        if len(places) == 1:
            return GeocodeResult("ok", places, source=source)
        return GeocodeResult("choose", places[:MAX_PLACES], message=MSG_CHOOSE, source=source)

    def _from_matches(self, matches: list[Match], query: str, online_error: str | None = None) -> GeocodeResult:
        """The answer of the gazetteer (fast path, offline mode or fallback)."""
        parsed = self.gazetteer.parse(query)
        if not matches:
            postcode_place = self.gazetteer.postcode_place(parsed.postcode) if parsed.postcode else None
            if postcode_place is not None:
                return GeocodeResult(
                    "ok",
                    [postcode_place],
                    message=MSG_POSTCODE_ONLY,
                    source="gazetteer",
                    online_error=online_error,
                    params={"postcode": parsed.postcode or ""},
                )
            message = MSG_NOT_FOUND_OFFLINE if online_error else MSG_NOT_FOUND
            suggestions = self.gazetteer.suggestions(query)
            return GeocodeResult("not_found", message=message, suggestions=suggestions, online_error=online_error)
        best = matches[0].score
        close = [m.place for m in matches if m.score >= best - CLOSE_SCORE][:MAX_PLACES]
        if len(close) > 1:
            return GeocodeResult("choose", close, message=MSG_CHOOSE, source="gazetteer", online_error=online_error)
        if best < CONFIDENT_SCORE:
            return GeocodeResult("choose", close, message=MSG_CONFIRM, source="gazetteer", online_error=online_error)
        if online_error:
            message = MSG_ONLINE_FALLBACK
        elif parsed.house_number is not None and close[0].kind == "street":
            message = MSG_STREET_ONLY
        else:
            message = ""
        return GeocodeResult("ok", close, message=message, source="gazetteer", online_error=online_error)

    def _ask_nominatim(self, query: str) -> list[Place]:
        """Distinct places inside Antwerp that Nominatim finds for ``query`` (may raise)."""
        found = self.nominatim.geocode(
            query,
            exactly_one=False,
            limit=MAX_PLACES,
            country_codes="be",
            viewbox=VIEWBOX,
            bounded=True,
        )
        if found is None:
            return []
        if not isinstance(found, list | tuple):
            found = [found]
        places: dict[str, Place] = {}
        for location in found:
            place = self._place_from_location(location)
            if place is not None and in_antwerp(place.lat, place.lon):
                places.setdefault(place.label, place)
        return list(places.values())[:MAX_PLACES]

    def _place_from_location(self, location: Any) -> Place | None:
        """A :class:`Place` from a geopy ``Location`` (``None`` when it has no usable point)."""
        try:
            lat, lon = float(location.latitude), float(location.longitude)
        except (AttributeError, TypeError, ValueError):
            return None
        raw = getattr(location, "raw", None) or {}
        address = str(getattr(location, "address", "") or raw.get("display_name") or "")
        label, postcode, has_number = self._short_label(address)
        return Place(label or f"{lat:.5f}, {lon:.5f}", lat, lon, _kind(raw, has_number), postcode, "nominatim")

    def _short_label(self, address: str) -> tuple[str, str | None, bool]:
        """A short label like "Willy Vandersteenplein 1, 2060 Antwerpen" from a Nominatim address."""
        parts = [p.strip() for p in address.split(",") if p.strip()]
        if parts and any(country in parts[-1] for country in ("België", "Belgique", "Belgium", "Belgien")):
            parts.pop()
        postcode = next((p for p in reversed(parts) if re.fullmatch(r"\d{4}", p)), None)
        parts = [p for p in parts if p != postcode]
        if not parts:
            return "", postcode, False
        has_number = bool(re.match(r"\d", parts[0])) and len(parts) > 1
        head = f"{parts[1]} {parts[0]}" if has_number else parts[0]
        if postcode:
            city = POSTCODE_PLACES.get(postcode, "Antwerpen")
            return f"{head}, {postcode} {city}", postcode, has_number
        rest = parts[2:] if has_number else parts[1:]
        return (f"{head}, {rest[0]}" if rest else head), None, has_number

    def _cache_get(self, key: str) -> list[Place] | None:
        try:
            return self.cache.get(key)
        except Exception:  # a broken store must not break the search
            log.exception("Geocode cache read failed")
            return None

    def _cache_put(self, key: str, places: list[Place]) -> None:
        try:
            self.cache.put(key, places)
        except Exception:
            log.exception("Geocode cache write failed")


def _typed_postcode(query: str) -> str | None:
    """A non-Antwerp postcode typed alone or before a place name ("1000 Brussel"), else ``None``.

    Returns ``None`` as well when the query also holds an Antwerp postcode, or when the
    number comes before an Antwerp place name ("1000 Antwerpen": more likely a house number).
    """
    alone = _FOUR_DIGITS_ALONE.match(query)
    if alone:
        return alone.group(1) if alone.group(1)[0] != "0" else None
    tokens = set(normalise(query).split())
    if tokens & ANTWERP_POSTCODES:
        return None
    for match in _FOUR_DIGITS_BEFORE_WORD.finditer(query):
        following = normalise(query[match.end(1) :]).split()
        if following and following[0] in _ANTWERP_PLACE_WORDS:
            continue
        if match.group(1)[0] != "0":
            return match.group(1)
    return None


def _kind(raw: dict[str, Any], has_number: bool) -> str:
    """The :data:`~geo.gazetteer.KINDS` value for a Nominatim result."""
    category = str(raw.get("class") or raw.get("category") or "")
    kind = str(raw.get("addresstype") or raw.get("type") or "")
    if has_number or kind in ("house", "building") or category == "building":
        return "address"
    if category == "highway":
        return "street"
    if kind == "postcode":
        return "postcode"
    if kind in ("suburb", "neighbourhood", "quarter", "city_district"):
        return "wijk"
    return "address"
