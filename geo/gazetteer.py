"""Offline gazetteer: Antwerp streets, postcodes, wijken and centres, searched typo-tolerantly."""

from __future__ import annotations

import csv
import json
import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process
from shapely.geometry import shape

log = logging.getLogger(__name__)

#: Kinds of places the geocoder returns.
KINDS = frozenset({"address", "street", "postcode", "wijk", "centre", "initiative", "coordinates"})

#: Postcodes of the city of Antwerp (with Borsbeek, merged in 2025) and the place name used in labels.
POSTCODE_PLACES: dict[str, str] = {
    "2000": "Antwerpen",
    "2018": "Antwerpen",
    "2020": "Antwerpen",
    "2030": "Antwerpen",
    "2040": "Berendrecht-Zandvliet-Lillo",
    "2050": "Antwerpen",
    "2060": "Antwerpen",
    "2100": "Deurne",
    "2140": "Borgerhout",
    "2150": "Borsbeek",
    "2170": "Merksem",
    "2180": "Ekeren",
    "2600": "Berchem",
    "2610": "Wilrijk",
    "2660": "Hoboken",
}
#: Postcodes that belong to Antwerp, known even when no geodata file is present.
ANTWERP_POSTCODES = frozenset(POSTCODE_PLACES)
#: Extra names under which a postcode point can be found.
POSTCODE_ALIASES: dict[str, tuple[str, ...]] = {
    "2000": ("Antwerp", "Anvers"),
    "2040": ("Berendrecht", "Zandvliet", "Lillo"),
}

STREET_FILES = ("antwerpen_straten.json", "antwerpen_district_straten.json")
POSTCODE_FILE = "antwerpen_postcodes_centroids.csv"
WIJK_FILE = "antwerpen_wijken_stad.geojson"
#: Wijk codes that are not neighbourhoods people live in (the river Scheldt).
SKIPPED_WIJKCODES = frozenset({"SCH01"})

#: Score (0-100) of a fuzzy match below which :meth:`Gazetteer.search` drops it.
SEARCH_CUTOFF = 80.0
#: Looser cutoff for :meth:`Gazetteer.suggestions` ("did you mean").
SUGGESTION_CUTOFF = 60.0
#: Points taken off a match whose postcode differs from the one typed.
OTHER_POSTCODE_PENALTY = 10.0
#: Shorter (normalised) queries are only matched exactly.
MIN_FUZZY_LENGTH = 3
#: Score of a name that holds every word of the query as a whole word ("nova" in "Cultureel
#: Ontmoetingscentrum Nova"), plus up to 2 for how much of the name they are: above a word merely
#: containing the letters ("Innovatiestraat", at most 90), below an exact name (100).
WHOLE_WORDS_SCORE = 91.5
#: The project's own places (buurtwerken and initiatives) win ties and near-ties over streets.
OWN_PLACE_BONUS = 3.0
#: Kinds of the project's own places.
OWN_KINDS = frozenset({"centre", "initiative"})
#: Among equal scores: a buurtwerk first, then an initiative, a neighbourhood, a postcode, a street.
KIND_RANK = {"centre": 0, "initiative": 1, "wijk": 2, "postcode": 3, "street": 4, "address": 5}

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_POSTCODE_TOKEN = re.compile(r"^[1-9]\d{3}$")
_TOKEN_ALIASES = {"st": "sint", "stwg": "steenweg", "str": "straat"}
#: Abbreviated endings of street names (no Antwerp street name ends like this).
_SUFFIX_ALIASES = (("str", "straat"), ("stwg", "steenweg"))
#: Words around a house number that are not part of a name.
_NUMBER_WORDS = frozenset({"bus", "nr", "no", "nummer", "huisnummer"})
#: Words that name the city or country rather than a street; dropped at the end of a query.
_EXTRA_PLACE_WORDS = ("Antwerp", "Anvers", "Belgie", "Belgium", "Belgique", "Belgien", "BE")

_COORDINATE = r"([-+]?\d{1,3}[.,]\d+)"
_COORDINATES = re.compile(rf"^{_COORDINATE}\s*[NnSs]?\s*(?:[;,/]\s*|\s+){_COORDINATE}\s*[EeWwOo]?$")


@dataclass(frozen=True)
class Place:
    """A point the map can centre on, with a label to show."""

    label: str
    lat: float
    lon: float
    kind: str
    postcode: str | None = None
    source: str = "gazetteer"


@dataclass(frozen=True)
class Match:
    """A gazetteer place and how well it matches the query (0-100)."""

    place: Place
    score: float


@dataclass(frozen=True)
class ParsedQuery:
    """A search text split into its name, postcode and house number."""

    #: Normalised text without the postcode (house numbers kept).
    full: str
    #: Normalised name: no postcode, house number or trailing city/country words.
    name: str
    postcode: str | None = None
    house_number: str | None = None


@dataclass
class _Entry:
    place: Place
    names: list[str] = field(default_factory=list)


def normalise(text: str) -> str:
    """Lower-case ASCII words of ``text`` separated by single spaces.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    str
        ``text`` decomposed (NFKD), without accents, case-folded, with every run of
        punctuation or whitespace turned into one space.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", stripped.casefold()).strip()


def _alias(words: str) -> str:
    """``words`` (normalised) with common abbreviations written out ("st" -> "sint", "carnotstr" -> "carnotstraat")."""
    return " ".join(_alias_token(tok) for tok in words.split())


def _alias_token(token: str) -> str:
    if token in _TOKEN_ALIASES:
        return _TOKEN_ALIASES[token]
    for short, long in _SUFFIX_ALIASES:
        if token.endswith(short) and len(token) > len(short) + 1:
            return token[: -len(short)] + long
    return token


_PLACE_WORDS = frozenset(
    tok for name in (*POSTCODE_PLACES.values(), *_EXTRA_PLACE_WORDS) for tok in normalise(name).split()
) | frozenset(normalise(a) for names in POSTCODE_ALIASES.values() for a in names)


def parse_query(text: str, postcodes: Iterable[str] = ANTWERP_POSTCODES) -> ParsedQuery:
    """Split a search text into name, postcode and house number.

    Parameters
    ----------
    text : str
        What the user typed, e.g. ``"Willy Vandersteenplein 1, 2060 Antwerpen"``.
    postcodes : iterable of str
        Postcodes recognised as such; other numbers are house numbers.

    Returns
    -------
    ParsedQuery
        The normalised parts, with common abbreviations written out.
    """
    known = set(postcodes)
    tokens = _alias(normalise(text)).split()
    postcode = next((tok for tok in tokens if tok in known), None)
    if postcode is not None:
        tokens.remove(postcode)
    full = " ".join(tokens)
    has_digits = any(any(ch.isdigit() for ch in tok) for tok in tokens)
    numbers = [tok for tok in tokens if any(ch.isdigit() for ch in tok)]
    words = [tok for tok in tokens if tok not in numbers and not (has_digits and tok in _NUMBER_WORDS)]
    while len(words) > 1 and words[-1] in _PLACE_WORDS:
        words.pop()
    if postcode is not None and words and all(tok in _PLACE_WORDS for tok in words):
        words = []
    return ParsedQuery(full=full, name=" ".join(words), postcode=postcode, house_number=numbers[0] if numbers else None)


def parse_coordinates(text: str) -> tuple[float, float] | None:
    """Latitude and longitude typed as text, or ``None``.

    Accepts ``"51.22, 4.43"``, ``"51.22 4.43"``, ``"51,22451; 4,42985"``, ``"51.22°N 4.43°E"``.
    Both numbers need decimals, so house numbers and postcodes are never taken for coordinates.

    Parameters
    ----------
    text : str
        The text to read.

    Returns
    -------
    tuple of float or None
        ``(lat, lon)`` in degrees when the text is a valid pair, else ``None``.
    """
    match = _COORDINATES.match(text.strip().replace("°", ""))
    if match is None:
        return None
    lat, lon = (float(group.replace(",", ".")) for group in match.groups())
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        return None
    return lat, lon


class Gazetteer:
    """Places of Antwerp known offline, searched by name with typo tolerance.

    Build it with :meth:`from_sources`; the normalised choices are prepared once.
    """

    def __init__(self, entries: Sequence[_Entry] = ()) -> None:
        self._entries: list[_Entry] = list(entries)
        self._choices: list[str] = []
        self._choice_entry: list[int] = []
        self._exact: dict[str, list[int]] = {}
        self._compact: dict[str, list[int]] = {}
        self._postcodes: dict[str, Place] = {}
        self._words: dict[str, set[int]] = {}  # a whole word -> the entries with it in a name
        for index, entry in enumerate(self._entries):
            for name in entry.names:
                for word in name.split():
                    self._words.setdefault(word, set()).add(index)
            if entry.place.kind == "postcode" and entry.place.postcode:
                self._postcodes.setdefault(entry.place.postcode, entry.place)
            for name in dict.fromkeys(entry.names):
                if not name:
                    continue
                self._choices.append(name)
                self._choice_entry.append(index)
                self._exact.setdefault(name, []).append(index)
                self._compact.setdefault(name.replace(" ", ""), []).append(index)
        self._lengths = np.array([len(choice) for choice in self._choices], dtype=np.float32)

    @classmethod
    def from_sources(cls, geodata_dirs: Iterable[Path], extra_places: Iterable[Place] = ()) -> Gazetteer:
        """Build a gazetteer from the geodata files found in ``geodata_dirs``.

        Parameters
        ----------
        geodata_dirs : iterable of Path
            Directories searched for the street files (``antwerpen_straten.json``,
            ``antwerpen_district_straten.json``), the postcode points
            (``antwerpen_postcodes_centroids.csv``) and the wijken
            (``antwerpen_wijken_stad.geojson``). Missing or unreadable files are skipped.
        extra_places : iterable of Place
            More places found by their label (centres, initiatives, buurtwerk areas).

        Returns
        -------
        Gazetteer
            The gazetteer; empty when nothing was found.
        """
        dirs = [Path(d) for d in geodata_dirs]
        return cls.from_files(
            streets=_files(dirs, STREET_FILES),
            postcodes=_files(dirs, (POSTCODE_FILE,)),
            wijken=_files(dirs, (WIJK_FILE,))[:1],
            extra_places=extra_places,
        )

    @classmethod
    def from_files(
        cls,
        streets: Iterable[Path] = (),
        postcodes: Iterable[Path] = (),
        wijken: Iterable[Path] = (),
        extra_places: Iterable[Place] = (),
    ) -> Gazetteer:
        """Build a gazetteer from named files (any file names; see :meth:`from_sources`).

        Parameters
        ----------
        streets : iterable of Path
            Street files (``{"streets": [[id, naam, postcode, [wijkcodes], [minLon, minLat,
            maxLon, maxLat]], ...]}``); merged, one place per (name, postcode) at the centre
            of the union of their boxes.
        postcodes : iterable of Path
            CSV files with ``postcode``, ``plaatsnaam``, ``district``, ``lat``, ``lon``.
        wijken : iterable of Path
            GeoJSON files with a ``wijknaam`` per polygon ("Antwerpen - Kiel"); both the full
            and the short name ("Kiel") find the polygon's representative point.
        extra_places : iterable of Place
            More places found by their label.

        Returns
        -------
        Gazetteer
            The gazetteer; unreadable files are logged and skipped.
        """
        entries: list[_Entry] = []
        place_names = dict(POSTCODE_PLACES)
        seen_postcodes: set[str] = set()
        for path in postcodes:
            entries.extend(_read_postcodes(Path(path), place_names, seen_postcodes))
        boxes: dict[tuple[str, str], list[float]] = {}
        for path in streets:
            _read_streets(Path(path), boxes)
        for (name, postcode), (west, south, east, north) in sorted(boxes.items()):
            city = place_names.get(postcode, "Antwerpen")
            place = Place(f"{name}, {postcode} {city}", (south + north) / 2, (west + east) / 2, "street", postcode)
            entries.append(_Entry(place, [_alias(normalise(name))]))
        for path in wijken:
            entries.extend(_read_wijken(Path(path)))
        for place in extra_places:
            entries.append(_Entry(place, [_alias(normalise(place.label))]))
        return cls(entries)

    def __len__(self) -> int:
        """Number of places."""
        return len(self._entries)

    @property
    def focus(self) -> list[tuple[float, float]]:
        """Where the map is about: the points of the buurtwerken among the places (may be empty)."""
        return [(e.place.lat, e.place.lon) for e in self._entries if e.place.kind == "centre"]

    @property
    def postcodes(self) -> frozenset[str]:
        """Postcodes with a known point."""
        return frozenset(self._postcodes)

    def postcode_place(self, postcode: str) -> Place | None:
        """The point of ``postcode``, or ``None`` when it is not known.

        Parameters
        ----------
        postcode : str
            Four digits, e.g. ``"2060"``.

        Returns
        -------
        Place or None
            The postcode's representative point.
        """
        return self._postcodes.get(postcode.strip())

    def parse(self, query: str) -> ParsedQuery:
        """Split ``query`` into name, postcode and house number (see :func:`parse_query`)."""
        return parse_query(query, ANTWERP_POSTCODES | self._postcodes.keys())

    def search(self, query: str, limit: int = 5) -> list[Match]:
        """The places best matching ``query``, best first.

        Parameters
        ----------
        query : str
            A street (house number allowed), postcode, wijk or centre name; typos tolerated.
            A postcode in the query favours streets with that postcode.
        limit : int
            Most matches returned.

        Returns
        -------
        list of Match
            Exact names score 100; fuzzy matches at least :data:`SEARCH_CUTOFF`.
        """
        return self._search(query, limit, SEARCH_CUTOFF)

    def suggestions(self, query: str, limit: int = 3) -> list[str]:
        """Labels of loosely matching places, for a "did you mean" message.

        Parameters
        ----------
        query : str
            The text that found nothing.
        limit : int
            Most labels returned.

        Returns
        -------
        list of str
            Distinct labels, best first; may be empty.
        """
        labels = [m.place.label for m in self._search(query, limit * 3, SUGGESTION_CUTOFF)]
        return list(dict.fromkeys(labels))[:limit]

    def _fuzzy_scores(self, key: str) -> np.ndarray:
        """Similarity (0-100) of ``key`` to every choice.

        The best of: edit-distance ratio (typos), the same with the words sorted (word order),
        and, for choices at least as long as ``key``, the best partial alignment scaled by 0.9
        (a part of a name, e.g. "vandersteen"). Unlike ``fuzz.WRatio`` there is no token-set
        part, which scores 85.5 for any name that merely shares a word such as "van" or "sint".
        """
        if not self._choices:
            return np.zeros(0)
        ratio = process.cdist([key], self._choices, scorer=fuzz.ratio, processor=None, dtype=np.float32)[0]
        tokens = process.cdist([key], self._choices, scorer=fuzz.token_sort_ratio, processor=None, dtype=np.float32)[0]
        partial = process.cdist([key], self._choices, scorer=fuzz.partial_ratio, processor=None, dtype=np.float32)[0]
        scale = np.where(self._lengths >= len(key), np.where(self._lengths < 8 * len(key), 0.9, 0.6), 0.0)
        return np.maximum(np.maximum(ratio, tokens), partial * scale)

    def _search(self, query: str, limit: int, cutoff: float) -> list[Match]:
        if limit <= 0 or not self._entries:
            return []
        parsed = self.parse(query)
        if not parsed.name and parsed.postcode:
            place = self._postcodes.get(parsed.postcode)
            return [Match(place, 100.0)] if place else []
        keys = [key for key in dict.fromkeys((parsed.full, parsed.name)) if key]
        if not keys:
            return []
        scores: dict[int, float] = {}
        for key in keys:
            for index in self._exact.get(key, []) + self._compact.get(key.replace(" ", ""), []):
                scores[index] = 100.0
        words = keys[-1].split()
        if words and all(len(word) >= MIN_FUZZY_LENGTH for word in words):
            holding = set.intersection(*(self._words.get(word, set()) for word in words))
            for index in holding:
                # The more of the name the words cover, the better ("Nova" is more of "CO Nova"
                # than of "Buurtsport in CO Nova"): up to two points, still below an exact name.
                name_words = max(len(name.split()) for name in self._entries[index].names)
                score = WHOLE_WORDS_SCORE + 2.0 * min(len(words) / max(name_words, 1), 1.0)
                scores[index] = max(scores.get(index, 0.0), score)
        if len(keys[-1]) >= MIN_FUZZY_LENGTH:
            fuzzy = self._fuzzy_scores(keys[-1])
            for choice_index in np.flatnonzero(fuzzy >= cutoff):
                index = self._choice_entry[choice_index]
                scores[index] = max(scores.get(index, 0.0), float(fuzzy[choice_index]))
        matches = []
        for index, score in scores.items():
            place = self._entries[index].place
            if parsed.postcode and place.postcode and place.postcode != parsed.postcode:
                score -= OTHER_POSTCODE_PENALTY
            if place.kind in OWN_KINDS and score < 100.0:
                score = min(score + OWN_PLACE_BONUS, 99.9)
            matches.append(Match(place, round(score, 1)))
        matches.sort(key=lambda m: (-m.score, KIND_RANK.get(m.place.kind, 9), m.place.label))
        return matches[:limit]


def _files(dirs: Sequence[Path], names: Sequence[str]) -> list[Path]:
    """Existing files called one of ``names`` in ``dirs`` (in that order), each path once."""
    found: list[Path] = []
    for directory in dirs:
        for name in names:
            path = directory / name
            if path.is_file() and path.resolve() not in {p.resolve() for p in found}:
                found.append(path)
    return found


def _read_postcodes(path: Path, place_names: dict[str, str], seen: set[str]) -> list[_Entry]:
    """Postcode points from a ``postcode,plaatsnaam,district,lat,lon,...`` CSV file."""
    entries: list[_Entry] = []
    named: set[str] = set()
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        log.warning("Skipping postcode file %s: %s", path, exc)
        return entries
    rows.sort(key=lambda r: str(r.get("postcode") or ""))
    for row in rows:
        postcode = str(row.get("postcode") or "").strip()
        try:
            lat, lon = float(row["lat"]), float(row["lon"])
        except (KeyError, TypeError, ValueError):
            continue
        if not _POSTCODE_TOKEN.match(postcode) or postcode in seen:
            continue
        seen.add(postcode)
        city = str(row.get("plaatsnaam") or "").strip() or POSTCODE_PLACES.get(postcode, "Antwerpen")
        place_names[postcode] = city
        names = [postcode]
        for alias in (city, str(row.get("district") or "").strip(), *POSTCODE_ALIASES.get(postcode, ())):
            key = _alias(normalise(alias))
            if key and key not in named:  # "Antwerpen" names only the first (lowest) postcode
                named.add(key)
                names.append(key)
        entries.append(_Entry(Place(f"{postcode} {city}", lat, lon, "postcode", postcode), names))
    return entries


def _read_streets(path: Path, streets: dict[tuple[str, str], list[float]]) -> None:
    """Add the streets of ``path`` to ``streets``: (name, postcode) -> bounding box (union)."""
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))["streets"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("Skipping street file %s: %s", path, exc)
        return
    for row in rows if isinstance(rows, list) else []:
        try:
            _id, name, postcode, _wijken, box = row[:5]
            name, postcode = str(name).strip(), str(postcode).strip()
            west, south, east, north = (float(v) for v in box)
        except (TypeError, ValueError):
            continue
        if not name:
            continue
        old = streets.get((name, postcode))
        if old:
            west, south = min(west, old[0]), min(south, old[1])
            east, north = max(east, old[2]), max(north, old[3])
        streets[(name, postcode)] = [west, south, east, north]


def _read_wijken(path: Path) -> list[_Entry]:
    """Wijk points (representative point of each polygon) from the city's wijken GeoJSON."""
    try:
        features = json.loads(path.read_text(encoding="utf-8"))["features"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("Skipping wijk file %s: %s", path, exc)
        return []
    entries: list[_Entry] = []
    for feature in features if isinstance(features, list) else []:
        try:
            props = feature.get("properties") or {}
            full = " ".join(str(props.get("wijknaam") or "").split())
            if not full or str(props.get("wijkcode") or "").strip() in SKIPPED_WIJKCODES:
                continue
            point = shape(feature["geometry"]).representative_point()
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            log.warning("Skipping a wijk in %s: %s", path, exc)
            continue
        short = full.split(" - ", 1)[1].strip() if " - " in full else full
        names = [_alias(normalise(full)), _alias(normalise(short))]
        entries.append(_Entry(Place(full, point.y, point.x, "wijk"), names))
    return entries
