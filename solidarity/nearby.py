"""The residents' search: what is near a place, sorted by walking distance (no Streamlit)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

import numpy as np
import pandas as pd
from babel.units import format_unit

from geo import geocode as gc
from geo.area import in_antwerp
from geo.distance import WALKING_SPEED_KMH, haversine_m, walking_distance_m, walking_minutes
from geo.gazetteer import Place, parse_query
from geo.geocode import clean_query
from solidarity import hours
from solidarity.filters import TYPE_FILTERS
from solidarity.i18n import N_, _, isolate, translate
from solidarity.model import CATEGORIES, split_list
from solidarity.safety import safe_url

#: Radius choices in metres.
RADII: tuple[int, ...] = (500, 1000, 2000, 5000)
DEFAULT_RADIUS = 1000
MAX_RESULTS = 20

PARAM_QUERY = "q"
PARAM_RADIUS = "r"
PARAM_TYPES = "type"
PARAM_CATEGORIES = "categorie"
PARAM_OPEN = "open"
PARAM_LAT = "lat"
PARAM_LON = "lon"
PARAM_PLACE = "plaats"
PARAM_ORIGIN = "bron"
#: Where a point came from -> its value in the URL (a typed place needs none).
ORIGINS: dict[str, str] = {"location": "locatie", "click": "kaart"}
#: Longest text of the search box.
MAX_TEXT = 200
#: The examples in the search box's placeholder: places every installation knows (the project's
#: own neighbourhoods and buurtwerken), also offline and before `make geodata` (a test checks).
SEARCH_EXAMPLES: tuple[str, ...] = ("Kiel", "Deurne-Noord", "Buurtwerk De Wijk")
#: Decimals of a point in the URL: a map point to about a metre, the resident's own position
#: to about 100 m (3 decimals), so a shared or logged link does not give away a home address.
POINT_DECIMALS = {"location": 3, "click": 5, "": 5}


@dataclass(frozen=True)
class NearbyQuery:
    """What the resident asked: a text or a point, a radius and filters."""

    text: str = ""
    lat: float | None = None
    lon: float | None = None
    radius_m: int = DEFAULT_RADIUS
    types: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    open_now: bool = False
    #: Label of the place chosen from a list of several matches.
    place: str = ""
    #: Where the point came from: ``location`` (the browser's), ``click`` (the map) or "".
    origin: str = ""
    #: True when the URL held coordinates that cannot be used (not numbers, outside Antwerp).
    bad_point: bool = field(default=False, compare=False)

    @property
    def has_point(self) -> bool:
        """True when the place is given as coordinates (location, map click)."""
        return self.lat is not None and self.lon is not None

    def to_query_params(self) -> dict[str, list[str] | str]:
        """The query as URL parameters (only what is set)."""
        params: dict[str, list[str] | str] = {}
        if self.text:
            params[PARAM_QUERY] = self.text
        if self.place:
            params[PARAM_PLACE] = self.place
        if self.has_point:
            decimals = POINT_DECIMALS.get(self.origin, 5)
            params[PARAM_LAT] = f"{self.lat:.{decimals}f}"
            params[PARAM_LON] = f"{self.lon:.{decimals}f}"
            if self.origin in ORIGINS:
                params[PARAM_ORIGIN] = ORIGINS[self.origin]
        if self.radius_m != DEFAULT_RADIUS:
            params[PARAM_RADIUS] = str(self.radius_m)
        if self.types:
            params[PARAM_TYPES] = list(self.types)
        if self.categories:
            params[PARAM_CATEGORIES] = list(self.categories)
        if self.open_now:
            params[PARAM_OPEN] = "1"
        return params

    @classmethod
    def from_query_params(cls, params: Mapping[str, object]) -> NearbyQuery:
        """Read a query from URL parameters; unknown or malformed values are dropped."""

        def last(name: str) -> str:
            value = params.get(name)
            if isinstance(value, list | tuple):
                value = value[-1] if value else ""
            return str(value or "")

        def many(name: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
            value = params.get(name)
            items = [value] if isinstance(value, str) else list(value or [])  # type: ignore[arg-type]
            wanted = {p.strip() for item in items for p in str(item).split(",")}
            return tuple(v for v in allowed if v in wanted)

        try:
            radius = int(last(PARAM_RADIUS) or DEFAULT_RADIUS)
        except ValueError:
            radius = DEFAULT_RADIUS
        lat = lon = None
        given = bool(last(PARAM_LAT) or last(PARAM_LON))
        try:
            lat, lon = float(last(PARAM_LAT)), float(last(PARAM_LON))
            if not in_antwerp(lat, lon):
                lat = lon = None
        except ValueError:
            lat = lon = None
        origins = {value: key for key, value in ORIGINS.items()}
        origin = origins.get(last(PARAM_ORIGIN), "") if lat is not None else ""
        return cls(
            text=cut_at_word(clean_query(last(PARAM_QUERY)), MAX_TEXT),
            lat=lat,
            lon=lon,
            radius_m=radius if radius in RADII else DEFAULT_RADIUS,
            types=many(PARAM_TYPES, TYPE_FILTERS),
            categories=many(PARAM_CATEGORIES, tuple(CATEGORIES)),
            open_now=last(PARAM_OPEN) in ("1", "true", "ja"),
            place=cut_at_word(clean_query(last(PARAM_PLACE)), MAX_TEXT),
            origin=origin,
            bad_point=given and lat is None,
        )

    def at_point(self, lat: float, lon: float, origin: str) -> NearbyQuery:
        """The same filters around a point (the resident's location, a map click): the text is dropped."""
        decimals = POINT_DECIMALS.get(origin, 5)
        return replace(self, text="", place="", lat=round(float(lat), decimals), lon=round(float(lon), decimals),
                       origin=origin if origin in ORIGINS else "")

    def searching(self, text: str) -> NearbyQuery:
        """The same filters around a typed place (no point, no earlier choice)."""
        return replace(self, text=cut_at_word(clean_query(text), MAX_TEXT), lat=None, lon=None, place="", origin="")


def cut_at_word(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at the last word boundary (a pasted text keeps
    its first words rather than being emptied or cut inside a word)."""
    text = " ".join(str(text or "").split())
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0]
    return cut if 0 < len(cut) <= limit else text[:limit]


@dataclass(frozen=True)
class Hit:
    """One initiative (or buurtwerk) near the place."""

    rank: int
    id: str
    name: str
    kind: str  # "initiative" or "centre"
    lat: float
    lon: float
    distance_m: float
    walking_m: float
    minutes: int
    row: dict = field(default_factory=dict, compare=False)


def _hit(rank: int, row: Mapping, kind: str, distance: float) -> Hit:
    walking = walking_distance_m(float(distance))
    return Hit(
        rank=rank,
        id=str(row["id"]),
        name=str(row["name"]),
        kind=kind,
        lat=float(row["lat"]),
        lon=float(row["lon"]),
        distance_m=float(distance),
        walking_m=walking,
        minutes=int(walking_minutes(walking)),
        row=dict(row),
    )


def nearby_mask(initiatives: pd.DataFrame, query: NearbyQuery) -> np.ndarray:
    """Which initiatives pass the type and category filters (opening hours: :func:`find_nearby`)."""
    mask = np.ones(len(initiatives), dtype=bool)
    if query.types:
        mask &= initiatives["solidarity_type"].isin(set(query.types) | {"both"}).to_numpy()
    if query.categories:
        mask &= initiatives["category"].isin(set(query.categories)).to_numpy()
    return mask


@dataclass(frozen=True)
class NearbyResults:
    """What is near the place: the hits, and with "open now" the ones whose hours are unknown."""

    hits: list[Hit] = field(default_factory=list)
    #: With "open now": initiatives within reach whose opening hours are not known (neither
    #: open nor closed as far as the map knows), listed apart instead of silently left out.
    unknown_hours: list[Hit] = field(default_factory=list)


def find_nearby(
    initiatives: pd.DataFrame,
    lat: float,
    lon: float,
    query: NearbyQuery,
    now: dt.datetime | None = None,
    limit: int = MAX_RESULTS,
) -> NearbyResults:
    """The nearest initiatives within the radius that pass the filters, nearest first.

    The radius is a **walking** distance, the one the cards show (the straight line times
    :data:`geo.distance.DETOUR_FACTOR`): "within 1 km" lists what is at most 1 km on foot.
    With ``open_now``, initiatives open now are the hits; those whose hours are unknown are
    returned apart (up to ``limit``); closed ones are left out.
    """
    if initiatives.empty:
        return NearbyResults()
    distances = haversine_m(lat, lon, initiatives["lat"].to_numpy(float), initiatives["lon"].to_numpy(float))
    within = nearby_mask(initiatives, query) & (walking_distance_m(distances) <= query.radius_m)
    unknown: np.ndarray | None = None
    if query.open_now:
        candidates = np.flatnonzero(within)
        hours_of = initiatives["opening_hours"].to_numpy(object)
        state = {i: hours.is_open_now(hours_of[i], now) for i in candidates}
        within = np.zeros(len(initiatives), dtype=bool)
        unknown = np.zeros(len(initiatives), dtype=bool)
        for i, open_now in state.items():
            within[i] = open_now is True
            unknown[i] = open_now is None
    hits = _nearest(initiatives, distances, within, limit)
    return NearbyResults(
        hits=hits,
        unknown_hours=_nearest(initiatives, distances, unknown, limit, first_rank=len(hits) + 1)
        if unknown is not None
        else [],
    )


def _nearest(
    initiatives: pd.DataFrame, distances: np.ndarray, mask: np.ndarray, limit: int, first_rank: int = 1
) -> list[Hit]:
    """The ``limit`` nearest rows where ``mask``, nearest first, ranked from ``first_rank``."""
    candidates = np.flatnonzero(mask)
    if candidates.size > limit:
        candidates = candidates[np.argpartition(distances[candidates], limit - 1)[:limit]]
    order = candidates[np.argsort(distances[candidates], kind="stable")]
    records = initiatives.iloc[order].to_dict("records")
    return [
        _hit(first_rank + n, row, "initiative", distances[i]) for n, (i, row) in enumerate(zip(order, records, strict=True))
    ]


def nearest_centre(centres: pd.DataFrame, lat: float, lon: float) -> Hit | None:
    """The nearest buurtwerk, whatever the radius."""
    if centres.empty:
        return None
    distances = haversine_m(lat, lon, centres["lat"].to_numpy(float), centres["lon"].to_numpy(float))
    i = int(np.argmin(distances))
    return _hit(0, centres.iloc[i].to_dict(), "centre", distances[i])


def route_url(from_lat: float, from_lon: float, to_lat: float, to_lon: float) -> str:
    """OpenStreetMap walking directions from one point to another."""
    query = urlencode(
        {"engine": "fossgis_osrm_foot", "route": f"{from_lat:.5f},{from_lon:.5f};{to_lat:.5f},{to_lon:.5f}"}
    )
    return f"https://www.openstreetmap.org/directions?{query}"


def contact_links(row: Mapping) -> dict[str, str]:
    """Safe contact links of an initiative or centre: website, mail and phone (only what is valid)."""
    links: dict[str, str] = {}
    website = safe_url(row.get("website", ""))
    if website:
        links["website"] = website
    email = str(row.get("email", "") or "").strip()
    if email and safe_url(f"mailto:{email}"):
        links["email"] = email
    phone = "".join(ch for ch in str(row.get("phone", "") or "") if ch.isdigit() or ch in "+ ")
    if phone.strip():
        links["phone"] = phone.strip()
    return links


def languages_of(row: Mapping) -> list[str]:
    """The language codes an initiative says it speaks."""
    return split_list(str(row.get("languages", "") or ""))


def localized(row: Mapping, field_name: str, language: str) -> str:
    """``field_name`` in ``language`` when the row carries it (e.g. ``description_en``), else the original."""
    value = row.get(f"{field_name}_{language}")
    if isinstance(value, str) and value.strip():
        return value.strip()
    return str(row.get(field_name, "") or "")


def format_distance(metres: float, language: str = "nl") -> str:
    """A distance in the language's words and digits: metres (rounded to 10) below 1 km, then
    kilometres with one decimal ("450 m", "1,3 km", "1.3 كم", "1,3 км")."""
    if metres < 1000:
        return format_unit(int(round(metres / 10.0) * 10), "length-meter", length="short", locale=language)
    return format_unit(round(metres / 1000, 1), "length-kilometer", length="short", format="0.0", locale=language)


#: Closer than this (metres on foot) is "right here", not "0 m".
HERE_M = 15.0


def walk_text(walking_m: float, language: str = "nl") -> str:
    """How far it is on foot, in words: "450 m · 6 minutes on foot", "less than a minute", "right here".

    The minutes come from Babel (CLDR), so each language gets its own plural forms: Arabic
    says "دقيقتان" for two minutes, with no numeral.
    """
    if walking_m < HERE_M:
        return translate(language, N_("Right here"))
    distance = isolate(format_distance(walking_m, language))
    if walking_m / (WALKING_SPEED_KMH * 1000.0 / 60.0) < 1:
        return translate(language, N_("{distance} · less than a minute on foot")).format(distance=distance)
    duration = format_unit(int(walking_minutes(walking_m)), "duration-minute", length="long", locale=language)
    return translate(language, N_("{distance} · {duration} on foot")).format(distance=distance, duration=isolate(duration))


def gazetteer_places(centres: pd.DataFrame, initiatives: pd.DataFrame) -> list[Place]:
    """The project's own places for the offline gazetteer: buurtwerken, their neighbourhoods, initiatives."""
    places = []
    for row in centres.itertuples(index=False):
        places.append(Place(label=row.name, lat=float(row.lat), lon=float(row.lon), kind="centre",
                            postcode=row.postcode or None))
        places.append(Place(label=row.wijk, lat=float(row.lat), lon=float(row.lon), kind="wijk",
                            postcode=row.postcode or None))
    for row in initiatives.itertuples(index=False):
        places.append(Place(label=row.name, lat=float(row.lat), lon=float(row.lon), kind="initiative",
                            postcode=row.postcode or None))
    return places


def distinct_places(places: list[Place], within_m: float = 1000.0) -> list[Place]:
    """Drop places that lie within ``within_m`` of an earlier one (the same neighbourhood named
    twice, a street found in two postcodes a few blocks apart): for "what is near me" they are
    one place, and the resident need not choose."""
    kept: list = []
    for place in places:
        if all(
            haversine_m(place.lat, place.lon, np.array([k.lat]), np.array([k.lon]))[0] > within_m for k in kept
        ):
            kept.append(place)
    return kept


def settle(result: gc.GeocodeResult, chosen: str = "") -> tuple[Place | None, gc.GeocodeResult]:
    """The place to search around for a geocoding ``result``, and the result to show.

    Several matches within a kilometre count as one (:func:`distinct_places`); a place the
    resident chose from the list (its label, ``chosen``) wins. Returns ``(None, result)`` when
    the resident still has to choose, or when nothing was found.
    """
    if result.status == "ok" and result.places:
        return result.places[0], result
    if result.status != "choose":
        return None, result
    places = distinct_places(result.places)
    result = replace(result, places=places)
    if len(places) == 1 and result.reason != gc.REASON_CONFIRM:
        return places[0], replace(result, status="ok")
    labels = [place.label for place in places]
    if chosen in labels:
        return places[labels.index(chosen)], result
    return None, result


#: What to tell the resident for each reason of a geocoding result (:data:`geo.geocode.REASONS`).
REASON_TEXTS: dict[str, str] = {
    gc.REASON_EMPTY: N_("Type an address, a street, a postcode or a neighbourhood."),
    gc.REASON_TOO_LONG: N_(
        "This is too long. Type at most {max} characters: an address, a street, a postcode or a neighbourhood."
    ),
    gc.REASON_NOTHING_TO_SEARCH: N_("Type letters or numbers: an address, a street, a postcode or a neighbourhood."),
    gc.REASON_COORDINATES_OUTSIDE: N_(
        "These coordinates are outside Antwerp. This map only covers the city of Antwerp."
    ),
    gc.REASON_POSTCODE_OUTSIDE: N_(
        "Postcode {postcode} is not in Antwerp. This map only covers the city of Antwerp (for example 2000, 2060 or 2140)."
    ),
    gc.REASON_CHOOSE: N_("Several places match. Choose one."),
    gc.REASON_CONFIRM: N_("Is this the place you mean?"),
    gc.REASON_NOT_FOUND: N_(
        "We could not find this place in Antwerp. Check the spelling, or try a street name, a postcode or a neighbourhood."
    ),
    gc.REASON_NOT_FOUND_OFFLINE: N_(
        "The online address search is not available right now, and this place is not in our own list. "
        "Try a street name, a postcode or a neighbourhood."
    ),
    gc.REASON_ONLINE_FALLBACK: N_(
        "The online address search is not available right now, so we searched our own list of streets and neighbourhoods."
    ),
    gc.REASON_STREET_ONLY: N_("We could not look up the house number, so we show the middle of the street."),
    gc.REASON_POSTCODE_ONLY: N_("We could not find the street, so we show the area of postcode {postcode}."),
}


def result_text(result: gc.GeocodeResult, translate: Callable[[str], str] = _) -> str:
    """The sentence for ``result``'s reason, placeholders filled ("" when there is nothing to say).

    Parameters
    ----------
    result : GeocodeResult
        The geocoder's answer.
    translate : callable
        Msgid -> text; default the current language (:func:`solidarity.i18n._`). A translation
        whose placeholders do not match falls back to the English sentence.
    """
    msgid = REASON_TEXTS.get(result.reason, "")
    if not msgid:
        return ""
    try:
        return translate(msgid).format(**result.params)
    except (KeyError, IndexError, ValueError):
        return msgid.format(**result.params)


#: How the page names where its position came from (msgids).
SOURCE_LABELS: dict[str, str] = {
    "address": N_("address"),
    "street": N_("street"),
    "postcode": N_("postcode"),
    "wijk": N_("neighbourhood"),
    "centre": N_("buurtwerk"),
    "initiative": N_("initiative"),
    "coordinates": N_("coordinates"),
    "location": N_("your location"),
    "click": N_("a point you chose on the map"),
}


@dataclass(frozen=True)
class Position:
    """Where the resident searches around, and what the search said on the way."""

    point: tuple[float, float] | None
    label: str = ""
    #: A key of :data:`SOURCE_LABELS`.
    source: str = ""
    #: The geocoder's answer for a typed place (its reason, choices and suggestions), else None.
    result: gc.GeocodeResult | None = None
    #: A typed house number that could not be used (the position is the middle of the street).
    ignored_number: str = ""

    def source_label(self) -> str:
        """Where the position came from, in the current language."""
        return _(SOURCE_LABELS[self.source]) if self.source in SOURCE_LABELS else self.source


def position_of(query: NearbyQuery, geocode: Callable[[str], gc.GeocodeResult]) -> Position:
    """The position of ``query``: its point, or its text geocoded and settled (:func:`settle`).

    ``geocode`` is only called for a typed text without a point (it may ask Nominatim).
    """
    if query.has_point:
        return Position((float(query.lat), float(query.lon)), "", query.origin or "coordinates")  # type: ignore[arg-type]
    if not query.text:
        return Position(None)
    found, result = settle(geocode(query.text), query.place)
    if found is None:
        return Position(None, result=result)
    number = parse_query(query.text).house_number
    ignored = number if number and found.kind == "street" and result.reason != gc.REASON_STREET_ONLY else ""
    return Position((found.lat, found.lon), found.label, found.kind, result, ignored or "")


def search_placeholder() -> str:
    """The search box's placeholder with :data:`SEARCH_EXAMPLES`, in the current language."""
    return _("For example: {examples}").format(examples=", ".join(SEARCH_EXAMPLES))
