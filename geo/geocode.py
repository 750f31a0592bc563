"""Geocoding chain: validation, cache, offline gazetteer, Nominatim (rate-limited), fallbacks."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from typing import Any, Protocol, runtime_checkable

import numpy as np
import requests
from geopy.exc import GeocoderQuotaExceeded, GeocoderServiceError, GeocoderTimedOut

from geo.area import ANTWERP_BBOX, in_antwerp
from geo.distance import haversine_m
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

log = logging.getLogger(__name__)

#: Longest query accepted; longer text is never sent anywhere.
MAX_QUERY_CHARS = 200
#: Most places offered to choose from.
MAX_PLACES = 5
#: Matches within this many points of the best one are equally good (-> "choose").
CLOSE_SCORE = 3.0
#: A single fuzzy gazetteer match below this score is offered for confirmation ("choose").
CONFIDENT_SCORE = 88.0
#: A fuzzy match farther than this from every buurtwerk is offered for confirmation as well: a
#: typo should not silently move the search to the other end of the city.
FAR_FUZZY_M = 4000.0
#: Nominatim's viewbox for Antwerp: two (lat, lon) corners.
VIEWBOX = [(ANTWERP_BBOX[0], ANTWERP_BBOX[1]), (ANTWERP_BBOX[2], ANTWERP_BBOX[3])]
#: Version of the cache keys: bump it when the meaning of a cached answer changes.
CACHE_KEY_VERSION = "v1"

STATUSES = ("ok", "choose", "not_found", "outside", "invalid")

#: Why a result has no place, or what to say with it: codes the core turns into sentences in the
#: user's language (:func:`solidarity.nearby.result_text`); ``params`` fill their placeholders.
REASON_EMPTY = "empty"
REASON_TOO_LONG = "too_long"  # params: max
REASON_NOTHING_TO_SEARCH = "nothing_to_search"
REASON_COORDINATES_OUTSIDE = "coordinates_outside"
REASON_POSTCODE_OUTSIDE = "postcode_outside"  # params: postcode
REASON_CHOOSE = "choose"
REASON_CONFIRM = "confirm"
REASON_NOT_FOUND = "not_found"
REASON_NOT_FOUND_OFFLINE = "not_found_offline"
REASON_ONLINE_FALLBACK = "online_fallback"
REASON_STREET_ONLY = "street_only"
REASON_POSTCODE_ONLY = "postcode_only"  # params: postcode
REASONS = (
    REASON_EMPTY, REASON_TOO_LONG, REASON_NOTHING_TO_SEARCH, REASON_COORDINATES_OUTSIDE, REASON_POSTCODE_OUTSIDE,
    REASON_CHOOSE, REASON_CONFIRM, REASON_NOT_FOUND, REASON_NOT_FOUND_OFFLINE, REASON_ONLINE_FALLBACK,
    REASON_STREET_ONLY, REASON_POSTCODE_ONLY,
)  # fmt: skip

_FOUR_DIGITS_ALONE = re.compile(r"^\s*(\d{4})\s*$")
_FOUR_DIGITS_BEFORE_WORD = re.compile(r"(?<![\d.,])(\d{4})\s+[^\W\d_]")
_ANTWERP_PLACE_WORDS = frozenset(
    tok for name in (*POSTCODE_PLACES.values(), "Antwerp", "Anvers") for tok in normalise(name).split()
)


@dataclass
class GeocodeResult:
    """The answer to a search: places to show, or a reason saying why there are none."""

    #: ``ok``, ``choose``, ``not_found``, ``outside`` or ``invalid``.
    status: str
    places: list[Place] = field(default_factory=list)
    #: One of :data:`REASONS` ("" for nothing to say): the core turns it into a sentence.
    reason: str = ""
    #: Labels for "did you mean" when nothing was found.
    suggestions: list[str] = field(default_factory=list)
    #: ``nominatim``, ``gazetteer``, ``cache`` or ``coordinates`` ("" when nothing was looked up).
    source: str = ""
    #: ``timeout``, ``unavailable`` or ``rate_limited`` when Nominatim failed and the fallback answered.
    online_error: str | None = None
    #: Values for the placeholders of the reason's sentence (never user text).
    params: dict[str, str] = field(default_factory=dict)


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


class KeyValueStore(Protocol):
    """A plain key/value cache with ages (the app's store: ``solidarity.store.Store``)."""

    def cache_get(self, namespace: str, key: str, max_age: dt.timedelta | None = None) -> str | None:
        """The value stored under ``namespace``/``key`` if younger than ``max_age``, else ``None``."""
        ...

    def cache_put(self, namespace: str, key: str, value: str) -> None:
        """Store ``value`` under ``namespace``/``key`` (now)."""
        ...


class KeyValueGeocodeCache:
    """A :class:`GeocodeCache` on a :class:`KeyValueStore`: places as JSON, kept at most ``max_age``.

    The keys are normalised queries (:func:`cache_key`): what residents typed. They are read only
    while younger than ``max_age`` (``GEOCODE_CACHE_DAYS``), deleted after it (at most once an
    hour, on a write), and never logged.
    """

    NAMESPACE = "geocode"
    MAX_KEY = 512
    PURGE_EVERY_S = 3600.0

    def __init__(self, store: KeyValueStore, max_age: dt.timedelta | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.max_age = max_age
        self.clock = clock
        self._purged = float("-inf")

    def get(self, key: str) -> list[Place] | None:
        """The places stored for ``key`` (younger than ``max_age``), or ``None``."""
        text = self.store.cache_get(self.NAMESPACE, key[: self.MAX_KEY], self.max_age)
        return None if text is None else places_from_json(text)

    def put(self, key: str, places: list[Place]) -> None:
        """Store ``places`` for ``key``; now and then forget the answers older than ``max_age``."""
        self.store.cache_put(self.NAMESPACE, key[: self.MAX_KEY], places_to_json(places))
        purge = getattr(self.store, "cache_purge", None)
        if self.max_age is not None and purge is not None and self.clock() - self._purged >= self.PURGE_EVERY_S:
            self._purged = self.clock()
            purge(self.NAMESPACE, self.max_age)


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


class SlotReserver(Protocol):
    """Reserves request slots for all app processes together (the app's store)."""

    def reserve_slot(self, name: str, min_interval: float, max_wait: float) -> float | None:
        """Reserve the next free slot of ``name``; the seconds to wait for it, or ``None`` when it is
        further away than ``max_wait`` (nothing reserved)."""
        ...


class SharedRateLimiter:
    """The rate limit of one service for every app process at once: slots reserved through a
    :class:`SlotReserver` (rows in the shared store), with :class:`RateLimiter`'s interface.

    When the reservation itself fails (the store is unreachable), no request is sent: the limit
    of the service's usage policy holds even then, and the offline gazetteer answers.
    """

    def __init__(
        self,
        reserver: SlotReserver,
        name: str = "nominatim",
        min_interval: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.reserver = reserver
        self.name = name
        self.min_interval = float(min_interval)
        self.sleep = sleep

    def acquire(self, max_wait: float = 1.0) -> bool:
        """Take the next slot, sleeping at most ``max_wait`` seconds; ``False`` when there is none."""
        try:
            wait = self.reserver.reserve_slot(self.name, self.min_interval, max_wait)
        except Exception as exc:  # a broken store must not break the search
            log.warning("Rate-limit slot not reserved (%s): answering offline", type(exc).__name__)
            return False
        if wait is None:
            return False
        if wait > 0:
            self.sleep(wait)
        return True


@dataclass(frozen=True)
class NominatimConfig:
    """How to reach Nominatim (the app builds it from its settings; ``None`` means offline)."""

    domain: str
    user_agent: str
    timeout: float = 2.0


def make_nominatim(config: NominatimConfig | None) -> Any:
    """The Nominatim client for ``config``, or ``None`` for offline mode.

    Parameters
    ----------
    config : NominatimConfig or None
        The server, the user agent its usage policy asks for, and the timeout.

    Returns
    -------
    geopy.geocoders.Nominatim or None
        A client with the configured timeout and no retries
        (``RequestsAdapter(max_retries=0)``: the default adapter retries twice).
    """
    if config is None:
        return None
    from geopy.adapters import RequestsAdapter  # deferred: geopy's adapters pull in requests' HTTP stack
    from geopy.geocoders import Nominatim  # deferred: as above; offline mode never needs it

    return Nominatim(
        user_agent=config.user_agent,
        domain=config.domain,
        timeout=config.timeout,
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
            ``outside`` or ``invalid``; the reason explains any status but ``ok``.
        """
        try:
            return self._geocode(text)
        except Exception:  # never leave the user with a traceback
            # Never the typed text: residents' addresses stay out of the logs.
            log.error("Geocoding failed unexpectedly (%s)", type(sys.exc_info()[1]).__name__)
            return GeocodeResult("not_found", reason=REASON_NOT_FOUND)

    def _geocode(self, text: object) -> GeocodeResult:
        query = clean_query(text)
        if not query:
            return GeocodeResult("invalid", reason=REASON_EMPTY)
        if len(query) > MAX_QUERY_CHARS:
            return GeocodeResult("invalid", reason=REASON_TOO_LONG, params={"max": str(MAX_QUERY_CHARS)})
        if not any(ch.isalnum() for ch in query):
            return GeocodeResult("invalid", reason=REASON_NOTHING_TO_SEARCH)

        coordinates = parse_coordinates(query)
        if coordinates is not None:
            return self._coordinates(*coordinates)

        postcode = _typed_postcode(query)
        if postcode is not None and postcode not in ANTWERP_POSTCODES | self.gazetteer.postcodes:
            return GeocodeResult("outside", reason=REASON_POSTCODE_OUTSIDE, params={"postcode": postcode})

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
                log.warning("Online geocoder raised %s", type(exc).__name__)  # its message holds the query
            return self._from_matches(matches, query, online_error=_online_error(exc))
        if places:
            self._cache_put(key, places)
            return self._answer(places, "nominatim")
        return self._from_matches(matches, query)

    def _coordinates(self, lat: float, lon: float) -> GeocodeResult:
        if not in_antwerp(lat, lon) and in_antwerp(lon, lat):
            lat, lon = lon, lat  # typed as "lon, lat"
        if not in_antwerp(lat, lon):
            return GeocodeResult("outside", reason=REASON_COORDINATES_OUTSIDE, source="coordinates")
        place = Place(f"{lat:.5f}, {lon:.5f}", lat, lon, "coordinates", None, "coordinates")
        return GeocodeResult("ok", [place], source="coordinates")

    def _answer(self, places: list[Place], source: str) -> GeocodeResult:
        if len(places) == 1:
            return GeocodeResult("ok", places, source=source)
        return GeocodeResult("choose", places[:MAX_PLACES], reason=REASON_CHOOSE, source=source)

    def _from_matches(self, matches: list[Match], query: str, online_error: str | None = None) -> GeocodeResult:
        """The answer of the gazetteer (fast path, offline mode or fallback)."""
        parsed = self.gazetteer.parse(query)
        if not matches:
            postcode_place = self.gazetteer.postcode_place(parsed.postcode) if parsed.postcode else None
            if postcode_place is not None:
                return GeocodeResult(
                    "ok",
                    [postcode_place],
                    reason=REASON_POSTCODE_ONLY,
                    source="gazetteer",
                    online_error=online_error,
                    params={"postcode": parsed.postcode or ""},
                )
            reason = REASON_NOT_FOUND_OFFLINE if online_error else REASON_NOT_FOUND
            suggestions = self.gazetteer.suggestions(query)
            return GeocodeResult("not_found", reason=reason, suggestions=suggestions, online_error=online_error)
        best = matches[0].score
        close = [m.place for m in matches if m.score >= best - CLOSE_SCORE][:MAX_PLACES]
        if len(close) > 1:
            return GeocodeResult("choose", close, reason=REASON_CHOOSE, source="gazetteer", online_error=online_error)
        if best < CONFIDENT_SCORE or (best < 100.0 and self._far(close[0])):
            return GeocodeResult("choose", close, reason=REASON_CONFIRM, source="gazetteer", online_error=online_error)
        if online_error:
            reason = REASON_ONLINE_FALLBACK
        elif parsed.house_number is not None and close[0].kind == "street":
            reason = REASON_STREET_ONLY
        else:
            reason = ""
        return GeocodeResult("ok", close, reason=reason, source="gazetteer", online_error=online_error)

    def _far(self, place: Place) -> bool:
        """Whether ``place`` lies farther than :data:`FAR_FUZZY_M` from every buurtwerk."""
        focus = self.gazetteer.focus
        if not focus:
            return False
        lats = np.array([f[0] for f in focus])
        lons = np.array([f[1] for f in focus])
        return float(haversine_m(place.lat, place.lon, lats, lons).min()) > FAR_FUZZY_M

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
            log.error("Geocode cache read failed (%s)", type(sys.exc_info()[1]).__name__)
            return None

    def _cache_put(self, key: str, places: list[Place]) -> None:
        try:
            self.cache.put(key, places)
        except Exception:
            log.error("Geocode cache write failed (%s)", type(sys.exc_info()[1]).__name__)


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
