"""The store: the record of the map's data, behind one interface (SQLite by default, PostgreSQL 15).

Reading returns pandas frames with exactly the columns of the CSV files in ``data/``
(:mod:`solidarity.model`), so the catalogue, the filters and the pages do not know the tables.

Writing goes only through the methods of :class:`Store` (create, update, archive, unarchive,
restore, import, seed). Each runs in one transaction that

1. takes the write lock first: it bumps ``data_version`` (the key of every cache) as its first
   statement, which on PostgreSQL locks that one row until commit, and on SQLite runs inside
   ``BEGIN IMMEDIATE``; writers therefore take turns and never deadlock;
2. checks the version the caller started from: a row that moved on since is refused with
   :class:`Conflict`, which carries the change(s) made in between;
3. writes the row with its version plus one and a row in ``changes`` (who, when, action, table,
   id, the row before and after as JSON, an optional batch id and note).

The schema comes from the migrations (:mod:`solidarity.migrate`), applied when a store opens.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import json
import logging
import os
import re
import subprocess
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from solidarity import exchange, schema
from solidarity import migrate as migrations
from solidarity.db import StoreError, is_sqlite, make_engine, normalise_url, reading, shown_url, sqlite_path, writing
from solidarity.exchange import CsvTable, UnreadableFile
from solidarity.i18n import LANGUAGES
from solidarity.migrate import copy_sqlite
from solidarity.model import (
    CENTRE_COLUMNS,
    INITIATIVE_COLUMNS,
    PROJECT_COLUMNS,
    TRANSLATION_COLUMNS,
    RowError,
    split_list,
    validate_centres,
    validate_initiatives,
    validate_projects,
    validate_translations,
)

log = logging.getLogger(__name__)

__all__ = [
    "Batch", "Change", "Conflict", "ImportReport", "LoadReport", "NotFound", "RateLimited", "Record", "Rejected",
    "Store", "StoreError", "Suggestion", "UndoReport", "read_csv_records", "seed_hash",
]  # fmt: skip

SEED_FILES = ("centres.csv", "projects.csv", "initiatives.csv", "translations.csv")
#: The columns a file of each table must have (the others may be missing; see :meth:`Store.import_file`).
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "centres": ("id", "name", "wijk", "lat", "lon", "location_precision"),
    "projects": ("id", "name", "kind"),
    "initiatives": ("id", "name", "solidarity_type", "lat", "lon", "location_precision", "source_url"),
    "translations": TRANSLATION_COLUMNS,
}
COLUMNS: dict[str, tuple[str, ...]] = {
    "centres": CENTRE_COLUMNS,
    "projects": PROJECT_COLUMNS,
    "initiatives": INITIATIVE_COLUMNS,
    "translations": TRANSLATION_COLUMNS,
}
FILES = {"centres": "centres.csv", "projects": "projects.csv", "initiatives": "initiatives.csv",
         "translations": "translations.csv"}  # fmt: skip
EDITABLE = ("centres", "projects", "initiatives")
#: The cache namespace of the geocoding answers (:meth:`Store.get` / :meth:`Store.put`).


# -- results and errors -----------------------------------------------------------------------
@dataclass(frozen=True)
class Change:
    """One row of the history: what happened to one row of one table."""

    n: int
    at: dt.datetime
    who: str
    action: str
    table: str
    row_id: str
    #: The row's version after this change.
    version: int
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    batch: str | None = None
    note: str | None = None

    def fields(self) -> list[str]:
        """The fields whose value differs between before and after."""
        before, after = self.before or {}, self.after or {}
        return [key for key in dict.fromkeys([*before, *after]) if before.get(key) != after.get(key)]

    def __str__(self) -> str:
        what = ", ".join(self.fields()) if self.action == "update" else self.action
        return f"{self.table} {self.row_id} v{self.version}: {what} by {self.who} at {self.at:%Y-%m-%d %H:%M:%S} UTC"


class Conflict(Exception):  # noqa: N818 - the name the write path speaks of
    """An update started from a version the row has moved on from; carries the other change(s)."""

    def __init__(self, table: str, row_id: str, expected: int, current: int, changes: list[Change]) -> None:
        self.table, self.row_id, self.expected, self.current = table, row_id, expected, current
        #: The changes made since ``expected``, oldest first; :attr:`change` is the newest.
        self.changes = changes
        self.change = changes[-1] if changes else None
        other = f" ({self.change.who} at {self.change.at:%Y-%m-%d %H:%M:%S} UTC: {self.change.action})" if self.change else ""
        super().__init__(f"{table} {row_id} is at version {current}, not {expected}: changed in the meantime{other}")


class Rejected(ValueError):  # noqa: N818
    """A write whose row does not validate; ``errors`` say which field and why."""

    def __init__(self, errors: list[RowError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors) or "rejected")


class NotFound(KeyError):  # noqa: N818
    """No row with this id."""


@dataclass(frozen=True)
class Record:
    """One row as the write path sees it: its CSV values, version and archive flag."""

    table: str
    id: str
    row: dict[str, Any]
    version: int
    archived: bool


@dataclass(frozen=True)
class Batch:
    """A batch of changes made together: a seed, an import, or the undo of an import."""

    id: str
    kind: str
    at: dt.datetime
    who: str
    source: str
    rows: int
    undone_by: str | None = None


@dataclass
class UndoReport:
    """What the undo of a batch did: rows brought back to before it, rows kept because they changed since."""

    batch: str
    undo_batch: str | None = None
    #: Ids whose import was undone (a created row archived, a changed row back as it was).
    undone: list[str] = field(default_factory=list)
    #: (id, who changed it since, when) of rows edited after the import: kept as they are.
    kept: list[tuple[str, str, dt.datetime]] = field(default_factory=list)


@dataclass(frozen=True)
class Suggestion:
    """A resident's suggestion as an editor sees it (``reporter_contact`` is for editors only)."""

    n: int
    created: dt.datetime
    kind: str
    status: str
    initiative_id: str
    name: str
    description: str
    address: str
    lat: float | None
    lon: float | None
    contact: str
    reporter_contact: str
    decided_by: str | None = None
    decided_at: dt.datetime | None = None
    result_id: str | None = None


class RateLimited(Exception):  # noqa: N818
    """Too many suggestions: ``scope`` is ``session`` (this browser) or ``hour`` (everyone together)."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__(f"too many suggestions ({scope})")


@dataclass
class LoadReport:
    """What happened when seed files were loaded: rows per table and the rejected rows."""

    counts: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    #: Why the seed was refused as a whole (the store kept what it had), or None.
    refused: str | None = None
    batch: str | None = None


@dataclass
class ImportReport:
    """What an import did, or would do (``dry_run``): per row, with file and line."""

    source: str
    table: str
    dry_run: bool
    encoding: str = ""
    separator: str = ""
    batch: str | None = None
    added: list[tuple[int, str]] = field(default_factory=list)
    #: (line, id, changed fields)
    changed: list[tuple[int, str, list[str]]] = field(default_factory=list)
    unchanged: list[tuple[int, str]] = field(default_factory=list)
    rejected: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: Why the file was refused as a whole (nothing changed), or None.
    refused: str | None = None
    #: Per changed row: (field, value in the store, value in the file), for a field-by-field report.
    diffs: dict[str, list[tuple[str, str, str]]] = field(default_factory=dict)
    #: The version of every row of the store the file was compared with (id -> version); an import
    #: given these as ``expect`` is refused when one of them moved on since.
    versions: dict[str, int] = field(default_factory=dict)
    #: The rows of the file that would be added, as validated (for the duplicate check).
    new_rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def written(self) -> bool:
        """True when the import changed the store."""
        return not self.dry_run and self.refused is None and bool(self.added or self.changed)

    def summary(self) -> str:
        """One line: what was (or would be) added, changed, left alone and rejected."""
        if self.refused:
            return f"{self.source}: refused, nothing changed: {self.refused}"
        verb = "would be" if self.dry_run else "were"
        rejected_rows = len({e.line for e in self.rejected})
        return (
            f"{self.source}: {len(self.added)} added, {len(self.changed)} changed, {len(self.unchanged)} left alone, "
            f"{rejected_rows} rejected ({verb} {'written' if self.dry_run else 'imported'}"
            + (f"; batch {self.batch}" if self.batch and self.written else "")
            + ")"
        )

    def lines(self) -> list[str]:
        """The report, one line per row (the rejected ones with each bad field)."""
        out = [f"read as {self.encoding}, {exchange.SEPARATOR_NAMES.get(self.separator, self.separator)} separated"]
        out += [f"warning: {w}" for w in self.warnings]
        verb = "would add" if self.dry_run else "added"
        out += [f"line {line}: {verb} {row_id}" for line, row_id in self.added]
        verb = "would change" if self.dry_run else "changed"
        out += [f"line {line}: {verb} {row_id}: {', '.join(fields)}" for line, row_id, fields in self.changed]
        out += [f"line {line}: left alone {row_id} (no change)" for line, row_id in self.unchanged]
        out += [f"line {e.line}: rejected: {e.field}: {e.message}" + (f" ({e.value[:60]!r})" if e.value else "")
                for e in self.rejected]  # fmt: skip
        return out + [self.summary()]


def read_csv_records(path: Path) -> list[dict[str, str]]:
    """Rows of a UTF-8 CSV file as dicts of strings (a BOM is accepted)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return [dict(row) for row in csv.DictReader(handle)]


def seed_hash(seed_dir: Path) -> str:
    """A hash of the seed files, to notice when they changed."""
    digest = hashlib.sha256()
    for name in SEED_FILES:
        path = seed_dir / name
        digest.update(name.encode())
        digest.update(path.read_bytes() if path.is_file() else b"-")
    return digest.hexdigest()[:16]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _check_who(who: str) -> str:
    if not isinstance(who, str) or not who.strip() or len(who) > 200:
        raise ValueError("who: name the actor of a change (e.g. 'seed', 'import:file.csv', an e-mail), at most 200 chars")
    return who.strip()


def _bad_text(row: Mapping[str, Any], source: str, line: int) -> list[RowError]:
    """Errors for strings no database can hold (NUL, lone surrogates)."""
    errors = []
    for key, value in row.items():
        if isinstance(value, str):
            if "\x00" in value:
                errors.append(RowError(source, line, key, "contains a NUL character", value.replace("\x00", "\\0")))
                continue
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                errors.append(RowError(source, line, key, "is not valid text", value.encode("utf-8", "replace").decode()))
    return errors


# -- the store --------------------------------------------------------------------------------
class Store:
    """Access to the app's data. One instance per process (it holds a connection pool).

    Parameters
    ----------
    url
        ``DATABASE_URL``: ``sqlite:///path`` or ``postgresql+psycopg://user:password@host/db``.
    migrate
        Apply pending migrations on opening (the default; safe with several processes). With
        ``False`` a store that is not up to date raises :class:`StoreError`.
    """

    def __init__(self, url: str, migrate: bool = True) -> None:
        self.url = normalise_url(url)
        self.engine = make_engine(self.url)
        try:
            if migrate:
                migrations.upgrade(self.engine)
            elif migrations.pending(self.engine):
                raise StoreError(
                    f"the store {shown_url(self.url)} is at revision {migrations.current(self.engine)}, "
                    f"the app needs {migrations.head()}: run `make migrate`"
                )
        except sa.exc.SQLAlchemyError as exc:
            self.engine.dispose()
            raise StoreError(f"DATABASE_URL: cannot prepare the store {shown_url(self.url)}: {exc.__class__.__name__}: "
                             f"{str(getattr(exc, 'orig', exc)).splitlines()[0]}") from None  # fmt: skip

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def close(self) -> None:
        """Close every connection of the pool."""
        self.engine.dispose()

    # -- reading ------------------------------------------------------------------------------
    def _rows(
        self, conn: sa.Connection, name: str, *, archived: bool | None = False, where: Any = None, ids: Iterable[str] | None = None
    ) -> list[dict[str, Any]]:
        """Rows of ``name`` in CSV form plus ``version`` and ``archived``, ordered like the seed."""
        table = schema.TABLES[name] if name != "translations" else schema.translations
        columns = [c for c in COLUMNS[name] if not (name == "initiatives" and c == "projects")]
        extra = [table.c.version, table.c.archived] if name != "translations" else []
        query = sa.select(*[table.c[c] for c in columns], *extra)
        if "seq" in table.c:
            query = query.add_columns(table.c.seq)
        if archived is not None and name != "translations":
            query = query.where(table.c.archived == archived)
        if where is not None:
            query = query.where(where)
        if ids is not None:
            query = query.where(table.c.id.in_(list(ids)))
        rows = [dict(r) for r in conn.execute(query).mappings()]
        if name == "initiatives":
            links: dict[str, list[str]] = {}
            link_query = sa.select(
                schema.initiative_projects.c.initiative_id, schema.initiative_projects.c.project_id
            ).order_by(schema.initiative_projects.c.initiative_id, schema.initiative_projects.c.position)
            if ids is not None:
                link_query = link_query.where(schema.initiative_projects.c.initiative_id.in_(list(ids)))
            for initiative_id, project_id in conn.execute(link_query):
                links.setdefault(initiative_id, []).append(project_id)
            for row in rows:
                row["centre_id"] = row["centre_id"] or ""
                row["projects"] = ";".join(links.get(row["id"], ()))
        if name == "translations":
            rows.sort(key=lambda r: (r["id"], r["language"], r["field"]))
        elif "seq" in table.c:
            rows.sort(key=lambda r: (r["seq"], r["id"]))
        else:
            rows.sort(key=lambda r: r["id"])  # in Python: the same order on every database's collation
        return rows

    def _frame(self, name: str, with_versions: bool = False, **kwargs: Any) -> pd.DataFrame:
        with reading(self.engine) as conn:
            rows = self._rows(conn, name, **kwargs)
        columns = list(COLUMNS[name]) + (["version", "archived"] if with_versions else [])
        frame = pd.DataFrame(rows, columns=columns)
        for col in ("lat", "lon"):
            if col in frame:
                frame[col] = frame[col].astype("float64")
        if with_versions and len(frame):
            frame["version"] = frame["version"].astype("int64")
            frame["archived"] = frame["archived"].astype(bool)
        return frame

    def centres(self, include_archived: bool = False, with_versions: bool = False) -> pd.DataFrame:
        """The buurtwerken, one row each (columns of ``centres.csv``)."""
        return self._frame("centres", with_versions, archived=None if include_archived else False)

    def projects(self, include_archived: bool = False, with_versions: bool = False) -> pd.DataFrame:
        """The projects and practice examples (columns of ``projects.csv``)."""
        return self._frame("projects", with_versions, archived=None if include_archived else False)

    def initiatives(
        self, include_inactive: bool = False, include_archived: bool = False, with_versions: bool = False
    ) -> pd.DataFrame:
        """The initiatives (columns of ``initiatives.csv``), active ones unless asked otherwise.

        Archived initiatives are left out unless ``include_archived``; ``with_versions`` adds
        the columns ``version`` and ``archived`` (what an edit form needs).
        """
        where = None if include_inactive else schema.initiatives.c.status == "active"
        return self._frame("initiatives", with_versions, archived=None if include_archived else False, where=where)

    def initiative_index(self) -> pd.DataFrame:
        """Every initiative (archived and inactive too) with only what a finder needs: id, name,
        address, buurtwerk, last_verified, status, version, archived (one light query, no links)."""
        i = schema.initiatives.c
        query = sa.select(i.id, i.name, i.address, i.centre_id, i.last_verified, i.status, i.version, i.archived)
        names = ["id", "name", "address", "centre_id", "last_verified", "status", "version", "archived"]
        with self.engine.connect() as conn:
            # The driver's plain tuples: SQLAlchemy's Row objects cost about 50 ms at 10,000 rows,
            # and the team's page reads this after every save (bench part 10). The query has no
            # parameters; the only typed column, archived, is made bool below (SQLite gives 0/1).
            cursor = conn.connection.dbapi_connection.cursor()
            try:
                cursor.execute(str(query.compile(dialect=conn.dialect)))
                rows = cursor.fetchall()
            finally:
                cursor.close()
        # Column by column: several times faster than a frame built row by row.
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
        frame = pd.DataFrame({name: list(values) for name, values in zip(names, columns, strict=True)}, columns=names)
        frame["centre_id"] = frame["centre_id"].fillna("")
        frame["archived"] = frame["archived"].astype(bool)
        return frame.sort_values("id", kind="stable").reset_index(drop=True)

    def translations(self) -> pd.DataFrame:
        """Translated initiative content: ``id, language, field, text``."""
        return self._frame("translations")

    def load_errors(self) -> list[RowError]:
        """The rows rejected at the last load, with file, line and field."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(schema.load_errors).order_by(schema.load_errors.c.n)).mappings().all()
        return [RowError(r["source"], r["line"], r["field"], r["message"], r["value"]) for r in rows]

    def data_version(self) -> int:
        """A number that grows with every change of the data: the key for caches."""
        with self.engine.connect() as conn:
            return self._data_version(conn)

    def record(self, table: str, row_id: str) -> Record | None:
        """One row with its version and archive flag (archived rows too), or None."""
        self._editable(table)
        with reading(self.engine) as conn:
            return self._record(conn, table, row_id)

    def history(self, row_id: str, table: str = "initiatives") -> list[Change]:
        """The changes of one row, oldest first."""
        c = schema.changes.c
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(schema.changes).where(c.table_name == table, c.row_id == row_id).order_by(c.version, c.n)
            ).mappings()
            return [self._change(r) for r in rows]

    def changes(self, batch: str | None = None, limit: int | None = None) -> list[Change]:
        """The newest changes (of one batch), newest first."""
        c = schema.changes.c
        query = sa.select(schema.changes).order_by(c.n.desc())
        if batch is not None:
            query = query.where(c.batch == batch)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [self._change(r) for r in conn.execute(query).mappings()]

    def is_empty(self) -> bool:
        """True when the store holds no data and no history."""
        with self.engine.connect() as conn:
            return self._is_empty(conn)

    # -- the write path -----------------------------------------------------------------------
    def create(self, table: str, row: Mapping[str, Any], *, who: str, note: str | None = None) -> Change:
        """Add a row (CSV columns; missing ones are empty). :class:`Rejected` when it does not validate
        or its id exists (archived rows included)."""
        self._editable(table)
        who = _check_who(who)
        with writing(self.engine) as conn:
            self._bump(conn)
            return self._create(conn, table, row, who, note)

    def _create(self, conn: sa.Connection, table: str, row: Mapping[str, Any], who: str, note: str | None) -> Change:
        values = {col: row.get(col, "") for col in COLUMNS[table]}
        row_id = str(values.get("id", "")).strip()
        if row_id and self._record(conn, table, row_id) is not None:
            raise Rejected([RowError(table, 0, "id", "exists already", row_id)])
        valid = self._validate(conn, table, [values], table)[0]
        self._insert(conn, table, [valid], version=1)
        return self._log(conn, who, "create", table, valid["id"], 1, None, valid | {"archived": False}, note=note)

    def update(
        self, table: str, row_id: str, values: Mapping[str, Any], *, version: int, who: str, note: str | None = None
    ) -> Change | None:
        """Change some fields of a row that was at ``version`` when the caller read it.

        Returns the change, or None when nothing differs. :class:`Conflict` when the row is at
        another version, :class:`Rejected` when the result does not validate, :class:`NotFound`.
        """
        self._editable(table)
        who = _check_who(who)
        with writing(self.engine) as conn:
            self._bump(conn)
            change = self._update(conn, table, row_id, values, version, who, note)
            if change is None:
                conn.rollback()
            return change

    def _update(
        self, conn: sa.Connection, table: str, row_id: str, values: Mapping[str, Any], version: int, who: str,
        note: str | None,
    ) -> Change | None:  # fmt: skip
        current = self._expect(conn, table, row_id, version)
        if "id" in values and str(values["id"]).strip() != row_id:
            raise Rejected([RowError(table, 0, "id", "cannot be changed", str(values["id"]))])
        merged = current.row | {k: v for k, v in values.items() if k in COLUMNS[table]}
        valid = self._validate(conn, table, [merged], table, exclude_id=row_id)[0]
        if valid == current.row:
            return None
        self._replace(conn, table, [valid], version + 1, archived=current.archived)
        before = current.row | {"archived": current.archived}
        return self._log(conn, who, "update", table, row_id, version + 1, before, valid | {"archived": current.archived},
                         note=note)  # fmt: skip

    def mark_verified(
        self, table: str, row_id: str, *, version: int, who: str, day: dt.date | None = None
    ) -> Change:
        """"Still correct": ``last_verified`` becomes ``day`` (today), recorded as a change by ``who``.

        A row checked earlier the same day still gets its change (who checked it, and when)."""
        if table != "initiatives":
            raise ValueError("only initiatives carry last_verified")
        who = _check_who(who)
        day = day or dt.datetime.now(dt.UTC).date()
        with writing(self.engine) as conn:
            self._bump(conn)
            current = self._expect(conn, table, row_id, version)
            valid = self._validate(conn, table, [current.row | {"last_verified": day.isoformat()}], table)[0]
            self._replace(conn, table, [valid], version + 1, archived=current.archived)
            return self._log(conn, who, "update", table, row_id, version + 1, current.row | {"archived": current.archived},
                             valid | {"archived": current.archived}, note="still correct")  # fmt: skip

    def archive(self, table: str, row_id: str, *, version: int, who: str, note: str | None = None) -> Change:
        """Hide a row from the map and the lists (kept, with its history; :meth:`unarchive` brings it back).

        A buurtwerk or project that shown initiatives still name cannot be archived (:class:`Rejected`).
        """
        return self._set_archived(table, row_id, True, version=version, who=who, note=note)

    def unarchive(self, table: str, row_id: str, *, version: int, who: str, note: str | None = None) -> Change:
        """Bring an archived row back."""
        return self._set_archived(table, row_id, False, version=version, who=who, note=note)

    def _set_archived(self, table: str, row_id: str, archived: bool, *, version: int, who: str, note: str | None) -> Change:
        self._editable(table)
        who = _check_who(who)
        with writing(self.engine) as conn:
            self._bump(conn)
            current = self._expect(conn, table, row_id, version)
            if current.archived == archived:
                raise Rejected([RowError(table, 0, "archived", "is archived already" if archived else "is not archived", row_id)])
            if archived and table in ("centres", "projects"):
                users = self._users(conn, table, row_id)
                if users:
                    raise Rejected([RowError(table, 0, "id", f"still named by {len(users)} initiative(s), e.g. {users[0]}", row_id)])
            else:
                self._validate(conn, table, [current.row], table, exclude_id=row_id)
            self._replace(conn, table, [current.row], version + 1, archived=archived)
            return self._log(
                conn, who, "archive" if archived else "unarchive", table, row_id, version + 1,
                current.row | {"archived": current.archived}, current.row | {"archived": archived}, note=note,
            )  # fmt: skip

    def restore(
        self, row_id: str, change: Change, *, who: str, version: int | None = None, note: str | None = None
    ) -> Change:
        """Bring back the row as ``change`` left it (its ``after``), as a new change.

        ``version``: the version the caller saw; None restores over whatever the row is now
        (every version stays in the history).
        """
        table = change.table
        self._editable(table)
        who = _check_who(who)
        if change.row_id != row_id or change.after is None:
            raise ValueError(f"change #{change.n} is not a version of {table} {row_id}")
        with writing(self.engine) as conn:
            self._bump(conn)
            current = self._record(conn, table, row_id)
            if current is None:
                raise NotFound(row_id)
            if version is not None and current.version != version:
                raise Conflict(table, row_id, version, current.version, self._since(conn, table, row_id, version))
            target = {col: change.after.get(col, "") for col in COLUMNS[table]}
            archived = bool(change.after.get("archived", False))
            valid = self._validate(conn, table, [target], table, exclude_id=row_id)[0]
            self._replace(conn, table, [valid], current.version + 1, archived=archived)
            return self._log(
                conn, who, "restore", table, row_id, current.version + 1, current.row | {"archived": current.archived},
                valid | {"archived": archived}, note=note or f"restored version {change.version} (change #{change.n})",
            )  # fmt: skip

    # -- seed -----------------------------------------------------------------------------------
    def ensure_seeded(self, seed_dir: Path) -> LoadReport | None:
        """Seed an empty store from ``seed_dir`` (once). A store that holds anything is never
        re-seeded or emptied; when the seed files changed since, a line in the log says how to
        bring the changes in (``make import-data``). Returns the report of a load, or None."""
        if not self.is_empty():
            with self.engine.connect() as conn:
                seeded = self._get_meta(conn, "seed_hash", "")
            if seeded and seeded != seed_hash(seed_dir):
                log.info("the seed files in %s changed since the store was seeded; the store keeps its data "
                         "(bring changes in with `make import-data FILE=...`)", seed_dir)  # fmt: skip
            return None
        return self.load_seed(seed_dir)

    def load_seed(self, seed_dir: Path, who: str = "seed") -> LoadReport:
        """Fill an empty store from the seed files, recorded in ``changes`` as one batch by ``who``.

        All or nothing: when a file of centres, projects or initiatives cannot be read, or all of
        its rows fail, the seed is refused (the store stays empty, ``load_errors`` says why).
        Rejected rows are kept in ``load_errors`` with file, line and field. A store that is not
        empty is left alone (the report says so in ``refused``).
        """
        who = _check_who(who)
        report = LoadReport()
        files: dict[str, CsvTable] = {}
        for name in ("centres", "projects", "initiatives", "translations"):
            path = seed_dir / FILES[name]
            if name == "translations" and not path.exists():
                files[name] = CsvTable(FILES[name], list(TRANSLATION_COLUMNS))
                continue
            try:
                files[name] = exchange.read_file(path, COLUMNS[name], REQUIRED_COLUMNS[name])
            except UnreadableFile as exc:
                report.errors.append(RowError(exc.source, 0, "(file)", exc.message))
        results: dict[str, list[dict[str, Any]]] = {}
        if not report.errors:
            centres = self._validated(validate_centres, files["centres"], report)
            projects = self._validated(validate_projects, files["projects"], report)
            initiatives = self._validated(
                lambda recs, source: validate_initiatives(
                    recs, source, centre_ids={r["id"] for r in centres}, project_ids={r["id"] for r in projects}
                ),
                files["initiatives"], report,
            )  # fmt: skip
            translations = self._validated(
                lambda recs, source: validate_translations(
                    recs, {r["id"] for r in initiatives}, set(LANGUAGES), source=source
                ),
                files["translations"], report,
            )  # fmt: skip
            results = {"centres": centres, "projects": projects, "initiatives": initiatives, "translations": translations}
            for name in ("centres", "projects", "initiatives"):
                seen = files[name].rows_seen
                if seen and not results[name]:
                    report.errors.insert(0, RowError(FILES[name], 0, "(file)", f"none of its {seen} rows could be loaded"))
        failed_files = [e for e in report.errors if e.field == "(file)"]
        if failed_files:
            report.refused = "; ".join(f"{e.source}: {e.message}" for e in failed_files)
        with writing(self.engine) as conn:
            self._bump(conn)
            if not self._is_empty(conn):
                conn.rollback()
                return LoadReport(refused="the store is not empty: it is seeded once, never again")
            conn.execute(schema.load_errors.delete())
            if report.errors:
                conn.execute(schema.load_errors.insert(), [
                    {"source": e.source, "line": e.line, "field": e.field, "message": e.message, "value": e.value}
                    for e in report.errors
                ])  # fmt: skip
            if report.refused is None:
                report.batch = uuid.uuid4().hex
                for name in ("centres", "projects", "initiatives", "translations"):
                    rows = results[name]
                    report.counts[name] = len(rows)
                    if name == "translations":
                        if rows:
                            conn.execute(schema.translations.insert(), rows)
                        self._log_many(conn, who, "create", name, [
                            (f"{r['id']}/{r['language']}/{r['field']}", 1, None, r) for r in rows
                        ], batch=report.batch)  # fmt: skip
                        continue
                    self._insert(conn, name, rows, version=1)
                    self._log_many(
                        conn, who, "create", name, [(r["id"], 1, None, r | {"archived": False}) for r in rows],
                        batch=report.batch, note=f"seed from {seed_dir.name}/",
                    )  # fmt: skip
                self._set_meta(conn, "seed_hash", seed_hash(seed_dir))
                self._add_batch(conn, report.batch, "seed", who, f"{seed_dir.name}/", sum(report.counts.values()))
        for error in report.errors:
            log.warning("rejected row: %s", error)
        if report.refused:
            log.error("seed refused, the store stays empty: %s", report.refused)
        return report

    @staticmethod
    def _validated(validator: Any, table: CsvTable, report: LoadReport) -> list[dict[str, Any]]:
        """Rows of ``table`` that pass ``validator`` (called per record, for the file's real lines)."""
        report.errors.extend(table.errors)
        rows: list[dict[str, Any]] = []
        seen: dict[str, int] = {}
        for record, line in zip(table.records, table.lines, strict=True):
            result = validator([record], table.source)
            errors = [dataclasses.replace(e, line=line) for e in result.errors] + _bad_text(record, table.source, line)
            key = "/".join(str(record.get(k, "")).strip() for k in (("id", "language", "field") if "language" in table.header else ("id",)))
            if not errors and key in seen:
                errors = [RowError(table.source, line, "id", f"duplicate: first on line {seen[key]}", key)]
            if errors:
                report.errors.extend(errors)
                continue
            seen[key] = line
            rows.extend(result.rows)
        return rows

    # -- import and export ----------------------------------------------------------------------
    def import_file(
        self, path: Path, *, who: str | None = None, table: str = "initiatives", dry_run: bool = False,
        note: str | None = None,
    ) -> ImportReport:  # fmt: skip
        """Add and update rows of ``table`` from a CSV file in the columns of ``data/`` (``make import-data``).

        All or nothing: the good rows are written in one transaction with one batch id, or none
        is (a file that cannot be read, or whose rows all fail, is refused as a whole); every
        rejected row is reported with its line and field. Rows of the store missing from the file
        are left alone. Columns missing from the file keep the store's values (new rows: empty).
        ``dry_run`` reports what would happen and writes nothing.
        """
        self._editable(table)
        path = Path(path)
        who = _check_who(who or f"import:{path.name}")
        report = ImportReport(path.name, table, dry_run)
        try:
            csv_table = exchange.read_file(path, COLUMNS[table], REQUIRED_COLUMNS[table])
        except UnreadableFile as exc:
            report.refused = exc.message
            return report
        return self.import_table(csv_table, who=who, table=table, dry_run=dry_run, note=note, report=report)

    def import_table(
        self, csv_table: CsvTable, *, who: str, table: str = "initiatives", dry_run: bool = False,
        note: str | None = None, report: ImportReport | None = None, strict: bool = False,
        expect: Mapping[str, int] | None = None,
    ) -> ImportReport:  # fmt: skip
        """:meth:`import_file` for records already read (:func:`solidarity.exchange.parse`).

        ``strict`` (the team's page): one rejected row refuses the whole file, so an import is all
        of the file or nothing. ``expect``: the :attr:`ImportReport.versions` of the dry run the
        editor saw; when a row moved on since (someone edited it), the import is refused and
        nothing changes, so no edit made in between is overwritten unseen.
        """
        self._editable(table)
        who = _check_who(who)
        report = report or ImportReport(csv_table.source, table, dry_run)
        report.encoding, report.separator = csv_table.encoding, csv_table.separator
        report.warnings.extend(csv_table.warnings)
        report.rejected.extend(csv_table.errors)
        source = csv_table.source
        # A dry run reads one snapshot and takes no write lock; an import holds the lock from the
        # first statement, so what it compares against cannot change before it writes.
        with reading(self.engine) if dry_run else writing(self.engine) as conn:
            if not dry_run:
                self._bump(conn)
            current = {r["id"]: r for r in self._rows(conn, table, archived=None)}
            if expect is not None:
                in_file = {str(r.get("id", "")).strip() for r in csv_table.records}
                moved = sorted(i for i, version in expect.items() if i in current and current[i]["version"] != version)
                moved += sorted(i for i in in_file & current.keys() if i not in expect)  # added by someone since
                if moved:
                    report.refused = "changed since the check: " + ", ".join(moved[:5]) + (" …" if len(moved) > 5 else "")
                    conn.rollback()
                    return report
            known = self._known_ids(conn)
            seen: dict[str, int] = {}
            adds: list[dict[str, Any]] = []
            updates: list[tuple[dict[str, Any], dict[str, Any]]] = []
            for record, line in zip(csv_table.records, csv_table.lines, strict=True):
                row_id = str(record.get("id", "")).strip()
                old = current.get(row_id)
                base = {col: exchange.format_cell(old[col]) for col in COLUMNS[table]} if old else dict.fromkeys(COLUMNS[table], "")
                merged = base | record
                errors = _bad_text(record, source, line)
                if row_id in seen:
                    errors.append(RowError(source, line, "id", f"duplicate: first on line {seen[row_id]}", row_id))
                if not errors:
                    result = self._validator(table, known)([merged], source)
                    errors = [dataclasses.replace(e, line=line) for e in result.errors]
                if errors:
                    report.rejected.extend(errors)
                    continue
                seen[row_id] = line
                valid = result.rows[0]
                if old is None:
                    adds.append(valid)
                    report.added.append((line, row_id))
                    continue
                report.versions[row_id] = int(old["version"])
                old_row = {col: old[col] for col in COLUMNS[table]}
                if valid == old_row and not old["archived"]:
                    report.unchanged.append((line, row_id))
                    continue
                fields = [col for col in COLUMNS[table] if valid[col] != old_row[col]] + (["archived"] if old["archived"] else [])
                report.changed.append((line, row_id, fields))
                report.diffs[row_id] = [
                    (col, exchange.format_cell(old_row[col]), exchange.format_cell(valid[col]))
                    for col in fields if col != "archived"
                ] + ([("archived", "yes", "no")] if old["archived"] else [])  # fmt: skip
                updates.append((old, valid))
            report.new_rows = adds
            rows_seen = csv_table.rows_seen
            if not rows_seen:
                report.refused = "holds no rows"
            elif not (report.added or report.changed or report.unchanged):
                report.refused = f"none of its {rows_seen} rows can be imported (see the rejected rows)"
            elif strict and report.rejected:
                rows = len({e.line for e in report.rejected})
                report.refused = f"{rows} row(s) have errors: correct them and check again (nothing was imported)"
            if dry_run or report.refused or not (adds or updates):
                conn.rollback()
                return report
            report.batch = uuid.uuid4().hex
            note = note or f"import of {source}"
            self._insert(conn, table, adds, version=1)
            self._replace_many(conn, table, [(valid, old["version"] + 1) for old, valid in updates])
            entries = [(r["id"], 1, None, r | {"archived": False}) for r in adds]
            self._log_many(conn, who, "create", table, entries, batch=report.batch, note=note)
            entries = [
                (valid["id"], old["version"] + 1, {c: old[c] for c in COLUMNS[table]} | {"archived": old["archived"]},
                 valid | {"archived": False})
                for old, valid in updates
            ]  # fmt: skip
            self._log_many(conn, who, "update", table, entries, batch=report.batch, note=note)
            self._add_batch(conn, report.batch, "import", who, source, len(adds) + len(updates))
        return report

    # -- batches and undo -----------------------------------------------------------------------
    def _add_batch(self, conn: sa.Connection, batch: str, kind: str, who: str, source: str, rows: int) -> None:
        conn.execute(schema.batches.insert().values(id=batch, kind=kind, at=_now(), who=who, source=source[:500], rows=rows))

    @staticmethod
    def _batch(r: Mapping[str, Any]) -> Batch:
        return Batch(r["id"], r["kind"], _aware(r["at"]), r["who"], r["source"], int(r["rows"]), r["undone_by"])

    def batches(self, kind: str | None = None, limit: int = 20) -> list[Batch]:
        """The newest batches (of one kind: ``seed``, ``import``, ``undo``), newest first."""
        b = schema.batches.c
        query = sa.select(schema.batches).order_by(b.at.desc(), b.id).limit(limit)
        if kind is not None:
            query = query.where(b.kind == kind)
        with self.engine.connect() as conn:
            return [self._batch(r) for r in conn.execute(query).mappings()]

    def last_import(self) -> Batch | None:
        """The newest import that has not been undone, or None."""
        b = schema.batches.c
        query = (sa.select(schema.batches).where(b.kind == "import", b.undone_by.is_(None))
                 .order_by(b.at.desc(), b.id).limit(1))  # fmt: skip
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else self._batch(row)

    def undo_batch(self, batch: str, *, who: str) -> UndoReport:
        """Undo an import, as one new batch: each row it created is archived, each row it changed is
        brought back as it was before; a row changed again after the import is kept as it is now
        (the report says which, and by whom). All in one transaction; a batch is undone once."""
        who = _check_who(who)
        report = UndoReport(batch)
        with writing(self.engine) as conn:
            self._bump(conn)
            b = schema.batches.c
            row = conn.execute(sa.select(schema.batches).where(b.id == batch).with_for_update()).mappings().first()
            if row is None or row["kind"] != "import":
                raise NotFound(batch)
            if row["undone_by"] is not None:
                raise Rejected([RowError("batches", 0, "batch", "was undone already", batch)])
            changes = [self._change(r) for r in conn.execute(
                sa.select(schema.changes).where(schema.changes.c.batch == batch).order_by(schema.changes.c.n)
            ).mappings()]  # fmt: skip
            report.undo_batch = uuid.uuid4().hex
            note = f"undo of the import of {row['source']}"
            by_table: dict[str, list[Change]] = {}
            for change in changes:
                by_table.setdefault(change.table, []).append(change)
            for table, table_changes in by_table.items():
                self._editable(table)
                ids = [c.row_id for c in table_changes]
                now = {r["id"]: r for start in range(0, len(ids), 500)
                       for r in self._rows(conn, table, archived=None, ids=ids[start:start + 500])}  # fmt: skip
                restores: list[tuple[dict[str, Any], int, bool]] = []
                entries: list[tuple[str, int, dict[str, Any] | None, dict[str, Any] | None]] = []
                for change in table_changes:
                    current = now.get(change.row_id)
                    if current is None:
                        continue
                    if int(current["version"]) != change.version:
                        later = self._since(conn, table, change.row_id, change.version)
                        last = later[-1] if later else None
                        report.kept.append((change.row_id, last.who if last else "?", last.at if last else _now()))
                        continue
                    row_now = {c: current[c] for c in COLUMNS[table]}
                    if change.action == "create":
                        target, archived = row_now, True
                    else:
                        before = change.before or {}
                        target = {c: before.get(c, "") for c in COLUMNS[table]}
                        archived = bool(before.get("archived", False))
                    version = int(current["version"]) + 1
                    restores.append((target, version, archived))
                    entries.append((change.row_id, version, row_now | {"archived": bool(current["archived"])},
                                    target | {"archived": archived}))  # fmt: skip
                    report.undone.append(change.row_id)
                if restores:
                    t = schema.TABLES[table]
                    values = []
                    for target, version, archived in restores:
                        value = self._db_values(table, target, version, archived)
                        value["_id"] = value.pop("id")
                        values.append(value)
                    statement = t.update().where(t.c.id == sa.bindparam("_id"))
                    conn.execute(statement.values({k: sa.bindparam(k) for k in values[0] if k != "_id"}), values)
                    if table == "initiatives":
                        self._links(conn, [target for target, _v, _a in restores], replace=True)
                    self._log_many(conn, who, "restore", table, entries, batch=report.undo_batch, note=note)
            self._add_batch(conn, report.undo_batch, "undo", who, row["source"], len(report.undone))
            conn.execute(schema.batches.update().where(b.id == batch).values(undone_by=report.undo_batch))
        return report

    # -- sign-in attempts -------------------------------------------------------------------------
    def begin_sign_in(self, account: str, *, max_failures: int, window_s: float, lockout_s: float) -> float:
        """Count a sign-in attempt for ``account`` *before* its password is checked.

        Returns 0.0 when the password may be checked now, else the seconds the account stays
        locked (the attempt is refused unchecked). More than ``max_failures`` attempts within
        ``window_s`` lock it for ``lockout_s``. :meth:`end_sign_in` clears the count on success.
        Every app process shares the count (the database's clock)."""
        key = account.strip().casefold()[:200]
        c = schema.sign_in_failures.c
        with writing(self.engine) as conn:
            now = self._db_now(conn)
            conn.execute(self._upsert(schema.sign_in_failures).values(account=key, failures=0, window_start=now,
                                                                       locked_until=0.0).on_conflict_do_nothing())
            row = conn.execute(sa.select(schema.sign_in_failures).where(c.account == key).with_for_update()).mappings().one()
            if row["locked_until"] > now:
                return float(row["locked_until"] - now)
            failures, start = int(row["failures"]), float(row["window_start"])
            if now - start > window_s:
                failures, start = 0, now
            failures += 1
            locked_until = now + lockout_s if failures > max_failures else 0.0
            conn.execute(schema.sign_in_failures.update().where(c.account == key).values(
                failures=0 if locked_until else failures, window_start=now if locked_until else start,
                locked_until=locked_until))  # fmt: skip
            return float(lockout_s) if locked_until else 0.0

    def end_sign_in(self, account: str, ok: bool) -> None:
        """After the check: a correct password clears the account's count (a wrong one stays counted)."""
        if ok:
            key = account.strip().casefold()[:200]
            with writing(self.engine) as conn:
                conn.execute(schema.sign_in_failures.delete().where(schema.sign_in_failures.c.account == key))

    # -- residents' suggestions -----------------------------------------------------------------
    def add_suggestion(self, values: Mapping[str, Any], *, source_key: str, per_source: int, per_hour: int) -> int:
        """Keep a resident's suggestion for the moderation queue; returns its number.

        :class:`RateLimited` when the browser session ``source_key`` (a hash) sent ``per_source``
        in the last hour, or everyone together ``per_hour``: checked and written in one
        transaction, so a burst from many processes cannot slip past."""
        s = schema.suggestions.c
        allowed = {c.name for c in schema.suggestions.c} - {"n", "created", "status", "source_key", "decided_by",
                                                              "decided_at", "result_id"}  # fmt: skip
        row = {k: v for k, v in values.items() if k in allowed}
        with writing(self.engine) as conn:
            self._bump(conn)  # the write lock: counting and writing cannot interleave
            now = self._db_now(conn)
            hour = now - 3600.0
            mine = conn.execute(sa.select(sa.func.count()).where(s.source_key == source_key, s.created > hour)).scalar_one()
            if mine >= per_source:
                raise RateLimited("session")
            every = conn.execute(sa.select(sa.func.count()).where(s.created > hour)).scalar_one()
            if every >= per_hour:
                raise RateLimited("hour")
            result = conn.execute(schema.suggestions.insert().values(**row, created=now, source_key=source_key[:64]))
            return int(result.inserted_primary_key[0])

    @staticmethod
    def _suggestion(r: Mapping[str, Any]) -> Suggestion:
        def when(value: float | None) -> dt.datetime | None:
            return None if value is None else dt.datetime.fromtimestamp(value, dt.UTC)

        return Suggestion(
            n=int(r["n"]), created=when(r["created"]), kind=r["kind"], status=r["status"],  # type: ignore[arg-type]
            initiative_id=r["initiative_id"], name=r["name"], description=r["description"], address=r["address"],
            lat=r["lat"], lon=r["lon"], contact=r["contact"], reporter_contact=r["reporter_contact"],
            decided_by=r["decided_by"], decided_at=when(r["decided_at"]), result_id=r["result_id"],
        )  # fmt: skip

    def suggestions(self, status: str | None = "pending", limit: int = 200) -> list[Suggestion]:
        """Suggestions (pending ones by default), oldest first: the moderation queue."""
        s = schema.suggestions.c
        query = sa.select(schema.suggestions).order_by(s.created, s.n).limit(limit)
        if status is not None:
            query = query.where(s.status == status)
        with self.engine.connect() as conn:
            return [self._suggestion(r) for r in conn.execute(query).mappings()]

    def suggestion(self, n: int) -> Suggestion | None:
        """One suggestion, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(schema.suggestions).where(schema.suggestions.c.n == n)).mappings().first()
        return None if row is None else self._suggestion(row)

    def _decide(self, conn: sa.Connection, n: int, status: str, who: str, result_id: str | None) -> None:
        s = schema.suggestions.c
        row = conn.execute(sa.select(s.status).where(s.n == n).with_for_update()).first()
        if row is None:
            raise NotFound(str(n))
        if row.status != "pending":
            raise Rejected([RowError("suggestions", 0, "status", f"was {row.status} already", str(n))])
        conn.execute(schema.suggestions.update().where(s.n == n).values(
            status=status, decided_by=who, decided_at=self._db_now(conn), result_id=result_id))  # fmt: skip

    def approve_suggestion(self, n: int, row: Mapping[str, Any], *, who: str) -> Change:
        """A suggestion becomes an initiative (``row``: the suggestion as the editor corrected it),
        in one transaction with the suggestion marked approved."""
        who = _check_who(who)
        with writing(self.engine) as conn:
            self._bump(conn)
            self._decide(conn, n, "approved", who, str(row.get("id", "")))
            return self._create(conn, "initiatives", row, who, note=f"suggestion #{n}")

    def merge_suggestion(
        self, n: int, initiative_id: str, values: Mapping[str, Any], *, version: int, who: str
    ) -> Change | None:
        """A suggestion merged into an existing initiative (``values``: what the editor took from it),
        with the version check; the suggestion is marked merged in the same transaction."""
        who = _check_who(who)
        with writing(self.engine) as conn:
            self._bump(conn)
            self._decide(conn, n, "merged", who, initiative_id)
            return self._update(conn, "initiatives", initiative_id, values, version, who, note=f"suggestion #{n}")

    def reject_suggestion(self, n: int, *, who: str) -> None:
        """A suggestion that will not be used (kept, marked rejected, never public)."""
        who = _check_who(who)
        with writing(self.engine) as conn:
            self._decide(conn, n, "rejected", who, None)

    def purge_suggestions(self, older_than: dt.timedelta) -> int:
        """Erase the residents' contact of suggestions decided more than ``older_than`` ago; returns how many."""
        s = schema.suggestions.c
        with writing(self.engine) as conn:
            limit = self._db_now(conn) - older_than.total_seconds()
            return conn.execute(schema.suggestions.update().where(
                s.status != "pending", s.decided_at < limit, s.reporter_contact != "").values(reporter_contact="")
            ).rowcount  # fmt: skip

    def export_table(self, table: str) -> pd.DataFrame:
        """The rows of a table as its CSV file has them (archived rows left out; inactive kept)."""
        if table == "initiatives":
            return self.initiatives(include_inactive=True)
        if table == "translations":
            return self.translations()
        self._editable(table)
        return self._frame(table)

    def export_data(self, directory: Path) -> list[Path]:
        """Write centres, projects, initiatives (and translations, when there are) as CSV files
        in the columns of ``data/``, spreadsheet formulas neutralised (``make export-data``)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for table in ("centres", "projects", "initiatives", "translations"):
            frame = self.export_table(table)
            if table == "translations" and frame.empty:
                continue
            path = directory / FILES[table]
            exchange.write_csv(path, COLUMNS[table], frame.to_dict("records"))
            written.append(path)
        return written

    def backup(self, directory: Path) -> Path:
        """A consistent copy of the store in ``directory``, the date and time in its name.

        SQLite: the online backup API (a plain SQLite file). PostgreSQL: ``pg_dump`` in its
        custom format (``pg_restore`` reads it).
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d_%H%M%S")
        path = sqlite_path(self.url)
        if path is not None:
            target = directory / f"solidarity-{stamp}.sqlite3"
            copy_sqlite(path, target)
            return target
        if is_sqlite(self.engine):
            raise StoreError("an in-memory store cannot be backed up")
        target = directory / f"solidarity-{stamp}.pgdump"
        url = sa.engine.make_url(self.url)
        env = {"PGPASSWORD": url.password or ""}
        libpq = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
        partial = target.with_name(target.name + ".partial")
        # A URL that puts the app's schema first (options=-csearch_path=NAME): dump that schema only.
        schemas = re.findall(r"search_path=([A-Za-z0-9_]+)", str(url.query.get("options", "")))
        try:
            result = subprocess.run(
                ["pg_dump", "--format=custom", "--no-owner", f"--file={partial}",
                 *[f"--schema={name}" for name in schemas[:1]], libpq],
                env=dict(os.environ) | env, capture_output=True, text=True, timeout=3600,
            )  # fmt: skip
        except FileNotFoundError:
            raise StoreError("pg_dump is not installed (Debian: apt-get install postgresql-client)") from None
        if result.returncode != 0:
            partial.unlink(missing_ok=True)
            raise StoreError(f"pg_dump failed: {result.stderr.strip().splitlines()[-1] if result.stderr.strip() else result.returncode}")
        partial.replace(target)
        return target

    # -- key/value cache and shared rate limits -----------------------------------------------
    def cache_get(self, namespace: str, key: str, max_age: dt.timedelta | None = None) -> str | None:
        """The cached value, or None (also when it is older than ``max_age``)."""
        c = schema.cache.c
        query = sa.select(c.value, c.created).where(c.namespace == namespace, c.key == key)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        if max_age is not None and row.created < _now().timestamp() - max_age.total_seconds():
            return None
        return row.value

    def cache_put(self, namespace: str, key: str, value: str) -> None:
        """Remember ``value`` under ``(namespace, key)`` (replacing an older one)."""
        if len(namespace) > 64 or len(key) > 512:
            raise ValueError("cache keys: namespace at most 64, key at most 512 characters")
        row = {"namespace": namespace, "key": key, "value": value, "created": _now().timestamp()}
        with writing(self.engine) as conn:
            statement = self._upsert(schema.cache).values(**row)
            conn.execute(statement.on_conflict_do_update(
                index_elements=["namespace", "key"], set_={"value": row["value"], "created": row["created"]}
            ))  # fmt: skip

    def cache_purge(self, namespace: str, older_than: dt.timedelta) -> int:
        """Delete the entries of ``namespace`` older than ``older_than``; returns how many."""
        c = schema.cache.c
        limit = _now().timestamp() - older_than.total_seconds()
        with writing(self.engine) as conn:
            return conn.execute(schema.cache.delete().where(c.namespace == namespace, c.created < limit)).rowcount

    def reserve_slot(self, name: str, min_interval: float, max_wait: float) -> float | None:
        """Reserve the next free slot of the rate limit ``name`` for every process using this store.

        Slots are ``min_interval`` seconds apart (the database's clock). Returns the seconds
        the caller must wait before its request (0.0: now), or None when the next free slot is
        more than ``max_wait`` away (nothing is reserved then).
        """
        reserved = self._reserve(name, min_interval, max_wait)
        return None if reserved is None else reserved[0]

    def _reserve(self, name: str, min_interval: float, max_wait: float) -> tuple[float, float] | None:
        """(wait, slot time) of :meth:`reserve_slot`."""
        c = schema.rate_slots.c
        with writing(self.engine) as conn:
            conn.execute(self._upsert(schema.rate_slots).values(name=name, next_at=0.0).on_conflict_do_nothing())
            next_at = conn.execute(sa.select(c.next_at).where(c.name == name).with_for_update()).scalar_one()
            now = self._db_now(conn)
            slot = max(now, next_at)
            wait = slot - now
            if wait > max_wait:
                conn.rollback()
                return None
            conn.execute(schema.rate_slots.update().where(c.name == name).values(next_at=slot + min_interval))
        return wait, slot

    def _db_now(self, conn: sa.Connection) -> float:
        """Seconds since the epoch by the database's clock (the same for every app process)."""
        if is_sqlite(self.engine):
            return float(conn.exec_driver_sql("SELECT (julianday('now') - 2440587.5) * 86400.0").scalar_one())
        return float(conn.exec_driver_sql("SELECT extract(epoch from clock_timestamp())").scalar_one())

    def _upsert(self, table: sa.Table) -> Any:
        return (sqlite if is_sqlite(self.engine) else postgresql).insert(table)

    # -- internals ------------------------------------------------------------------------------
    @staticmethod
    def _editable(table: str) -> None:
        if table not in EDITABLE:
            raise ValueError(f"table must be one of {', '.join(EDITABLE)}, not {table!r}")

    def _bump(self, conn: sa.Connection) -> int:
        """The first statement of every write transaction: ``data_version`` plus one (takes the lock)."""
        m = schema.meta.c
        bumped = conn.execute(
            schema.meta.update()
            .where(m.key == "data_version")
            .values(value=sa.cast(sa.cast(m.value, sa.Integer) + 1, sa.String(20)))
        )
        if bumped.rowcount == 0:
            conn.execute(schema.meta.insert().values(key="data_version", value="1"))
        return self._data_version(conn)

    def _record(self, conn: sa.Connection, table: str, row_id: str) -> Record | None:
        rows = self._rows(conn, table, archived=None, ids=[row_id])
        if not rows:
            return None
        row = rows[0]
        return Record(table, row_id, {c: row[c] for c in COLUMNS[table]}, int(row["version"]), bool(row["archived"]))

    def _expect(self, conn: sa.Connection, table: str, row_id: str, version: int) -> Record:
        current = self._record(conn, table, row_id)
        if current is None:
            raise NotFound(row_id)
        if current.version != version:
            raise Conflict(table, row_id, version, current.version, self._since(conn, table, row_id, version))
        return current

    def _since(self, conn: sa.Connection, table: str, row_id: str, version: int) -> list[Change]:
        c = schema.changes.c
        rows = conn.execute(
            sa.select(schema.changes)
            .where(c.table_name == table, c.row_id == row_id, c.version > version)
            .order_by(c.version, c.n)
        ).mappings()
        return [self._change(r) for r in rows]

    def _users(self, conn: sa.Connection, table: str, row_id: str) -> list[str]:
        """Non-archived initiatives that name centre or project ``row_id``."""
        i = schema.initiatives.c
        if table == "centres":
            query = sa.select(i.id).where(i.centre_id == row_id, i.archived == sa.false())
        else:
            link = schema.initiative_projects.c
            query = (
                sa.select(i.id)
                .join(schema.initiative_projects, link.initiative_id == i.id)
                .where(link.project_id == row_id, i.archived == sa.false())
            )
        return sorted(conn.execute(query).scalars())

    def _known_ids(self, conn: sa.Connection) -> dict[str, set[str]]:
        ids = {}
        for name in ("centres", "projects"):
            table = schema.TABLES[name]
            ids[name] = set(conn.execute(sa.select(table.c.id).where(table.c.archived == sa.false())).scalars())
        return ids

    @staticmethod
    def _validator(table: str, known: dict[str, set[str]]) -> Any:
        if table == "centres":
            return lambda records, source: validate_centres(records, source)
        if table == "projects":
            return lambda records, source: validate_projects(records, source)
        return lambda records, source: validate_initiatives(
            records, source, centre_ids=known["centres"], project_ids=known["projects"]
        )

    def _validate(
        self, conn: sa.Connection, table: str, rows: Sequence[Mapping[str, Any]], source: str, exclude_id: str | None = None
    ) -> list[dict[str, Any]]:
        """``rows`` validated like the seed (raises :class:`Rejected`)."""
        known = self._known_ids(conn)
        records = [{k: exchange.format_cell(v) for k, v in row.items()} for row in rows]
        errors = [e for record in records for e in _bad_text(record, source, 0)]
        if errors:
            raise Rejected(errors)
        result = self._validator(table, known)(records, source)
        if result.errors:
            raise Rejected([dataclasses.replace(e, line=0) for e in result.errors])
        return result.rows

    def _db_values(self, table: str, row: Mapping[str, Any], version: int, archived: bool) -> dict[str, Any]:
        values = {c: row[c] for c in COLUMNS[table] if not (table == "initiatives" and c == "projects")}
        if table == "initiatives":
            values["centre_id"] = values["centre_id"] or None
        values["version"] = version
        values["archived"] = archived
        return values

    def _insert(self, conn: sa.Connection, table: str, rows: Sequence[Mapping[str, Any]], version: int) -> None:
        if not rows:
            return
        values = [self._db_values(table, r, version, False) for r in rows]
        if table in ("centres", "projects"):
            t = schema.TABLES[table]
            start = (conn.execute(sa.select(sa.func.max(t.c.seq))).scalar() or 0) + 1
            for n, value in enumerate(values):
                value["seq"] = start + n
        conn.execute(schema.TABLES[table].insert(), values)
        if table == "initiatives":
            self._links(conn, rows)

    def _replace(self, conn: sa.Connection, table: str, rows: Sequence[Mapping[str, Any]], version: int, archived: bool) -> None:
        t = schema.TABLES[table]
        for row in rows:
            conn.execute(t.update().where(t.c.id == row["id"]).values(**self._db_values(table, row, version, archived)))
        if table == "initiatives":
            self._links(conn, rows, replace=True)

    def _replace_many(self, conn: sa.Connection, table: str, rows: Sequence[tuple[Mapping[str, Any], int]]) -> None:
        """Update many rows at once (executemany): each to its new version, not archived."""
        if not rows:
            return
        t = schema.TABLES[table]
        values = []
        for row, version in rows:
            value = self._db_values(table, row, version, False)
            value["_id"] = value.pop("id")
            values.append(value)
        statement = t.update().where(t.c.id == sa.bindparam("_id"))
        conn.execute(statement.values({k: sa.bindparam(k) for k in values[0] if k != "_id"}), values)
        if table == "initiatives":
            self._links(conn, [row for row, _version in rows], replace=True)

    def _links(self, conn: sa.Connection, rows: Sequence[Mapping[str, Any]], replace: bool = False) -> None:
        link = schema.initiative_projects
        if replace:
            ids = [r["id"] for r in rows]
            for start in range(0, len(ids), 500):
                conn.execute(link.delete().where(link.c.initiative_id.in_(ids[start : start + 500])))
        values = [
            {"initiative_id": r["id"], "project_id": project_id, "position": position}
            for r in rows
            for position, project_id in enumerate(split_list(r["projects"]))
        ]
        if values:
            conn.execute(link.insert(), values)

    def _log(
        self, conn: sa.Connection, who: str, action: str, table: str, row_id: str, version: int,
        before: dict[str, Any] | None, after: dict[str, Any] | None, batch: str | None = None, note: str | None = None,
    ) -> Change:  # fmt: skip
        at = _now()
        values = self._change_values(who, action, table, row_id, version, before, after, batch, note, at)
        n = conn.execute(schema.changes.insert().values(**values)).inserted_primary_key[0]
        return Change(int(n), at, who, action, table, row_id, version, before, after, batch, note)

    def _log_many(
        self, conn: sa.Connection, who: str, action: str, table: str,
        entries: Sequence[tuple[str, int, dict[str, Any] | None, dict[str, Any] | None]],
        batch: str | None = None, note: str | None = None,
    ) -> None:  # fmt: skip
        if not entries:
            return
        at = _now()
        conn.execute(schema.changes.insert(), [
            self._change_values(who, action, table, row_id, version, before, after, batch, note, at)
            for row_id, version, before, after in entries
        ])  # fmt: skip

    @staticmethod
    def _change_values(
        who: str, action: str, table: str, row_id: str, version: int, before: Any, after: Any,
        batch: str | None, note: str | None, at: dt.datetime,
    ) -> dict[str, Any]:  # fmt: skip
        def dump(row: Any) -> str | None:
            return None if row is None else json.dumps(row, ensure_ascii=False, separators=(",", ":"))

        return {"at": at, "who": who, "action": action, "table_name": table, "row_id": row_id, "version": version,
                "before": dump(before), "after": dump(after), "batch": batch, "note": note}  # fmt: skip

    @staticmethod
    def _change(r: Mapping[str, Any]) -> Change:
        return Change(
            n=int(r["n"]), at=_aware(r["at"]), who=r["who"], action=r["action"], table=r["table_name"],
            row_id=r["row_id"], version=int(r["version"]),
            before=None if r["before"] is None else json.loads(r["before"]),
            after=None if r["after"] is None else json.loads(r["after"]), batch=r["batch"], note=r["note"],
        )  # fmt: skip

    def _is_empty(self, conn: sa.Connection) -> bool:
        for table in (schema.centres, schema.projects, schema.initiatives, schema.changes):
            if conn.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first() is not None:
                return False
        return True

    @staticmethod
    def _get_meta(conn: sa.Connection, key: str, default: str) -> str:
        m = schema.meta.c
        value = conn.execute(sa.select(m.value).where(m.key == key)).scalar_one_or_none()
        return default if value is None else value

    @staticmethod
    def _set_meta(conn: sa.Connection, key: str, value: str) -> None:
        conn.execute(schema.meta.delete().where(schema.meta.c.key == key))
        conn.execute(schema.meta.insert(), [{"key": key, "value": value}])

    def _data_version(self, conn: sa.Connection) -> int:
        return int(self._get_meta(conn, "data_version", "0"))
