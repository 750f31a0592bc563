"""The store's tables as they are after the newest migration (the models).

The migrations in ``solidarity/migrations/versions/`` make this schema; a test compares the two
(``tests/test_migrations.py``) and fails when they disagree. To change the schema: edit the
tables here, then write a migration (``alembic revision --autogenerate -m "..."`` drafts one;
SQLite migrations run in batch mode) and run ``make migrate``.

The exchange format stays the CSV columns of ``data/`` (:mod:`solidarity.model`); the tables
are relational where it matters: an initiative's projects are rows of ``initiative_projects``,
its buurtwerk is a foreign key, and the vocabularies are CHECK constraints mirroring the model.
"""

from __future__ import annotations

import sqlalchemy as sa

from solidarity.model import (
    CENTRE_COLUMNS,
    INITIATIVE_COLUMNS,
    LOCATION_PRECISIONS,
    PROJECT_COLUMNS,
    SOLIDARITY_TYPES,
    STATUSES,
    WHEELCHAIR_VALUES,
)

#: Constraint names, the same on SQLite and PostgreSQL (batch migrations need names to drop).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: The kinds of project rows (``projects.csv``: ``kind``).
PROJECT_KINDS: tuple[str, ...] = ("project", "practice")
#: What a row of ``changes`` records.
ACTIONS: tuple[str, ...] = ("create", "update", "archive", "unarchive", "restore")
#: What a batch of changes was.
BATCH_KINDS: tuple[str, ...] = ("seed", "import", "undo")
#: A resident's suggestion: a new initiative, or a mistake in one on the map.
SUGGESTION_KINDS: tuple[str, ...] = ("new", "correction")
SUGGESTION_STATUSES: tuple[str, ...] = ("pending", "approved", "merged", "rejected")
#: The tables whose rows have versions and history.
VERSIONED_TABLES: tuple[str, ...] = ("centres", "projects", "initiatives", "translations")

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def one_of(column: str, values: tuple[str, ...]) -> str:
    """SQL of a CHECK that ``column`` holds one of ``values``."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _text(names: tuple[str, ...], skip: tuple[str, ...] = (), floats: tuple[str, ...] = ("lat", "lon")) -> list:
    return [
        sa.Column(name, sa.Float, nullable=False)
        if name in floats
        else sa.Column(name, sa.Text, nullable=False)
        for name in names
        if name not in ("id", *skip)
    ]


def _versioning() -> list[sa.Column]:
    return [
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("archived", sa.Boolean, nullable=False, server_default=sa.false()),
    ]


# ``seq`` keeps the order of the seed files (the order the organisation lists them in).
centres = sa.Table(
    "centres",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("seq", sa.Integer, nullable=False, server_default="0"),
    *_text(CENTRE_COLUMNS),
    *_versioning(),
    sa.CheckConstraint(one_of("location_precision", LOCATION_PRECISIONS), name="location_precision"),
)
projects = sa.Table(
    "projects",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("seq", sa.Integer, nullable=False, server_default="0"),
    *_text(PROJECT_COLUMNS),
    *_versioning(),
    sa.CheckConstraint(one_of("kind", PROJECT_KINDS), name="kind"),
)
initiatives = sa.Table(
    "initiatives",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    *[
        sa.Column("centre_id", sa.String(64), sa.ForeignKey("centres.id"), nullable=True)
        if column.name == "centre_id"
        else column
        for column in _text(INITIATIVE_COLUMNS, skip=("projects",))
    ],
    *_versioning(),
    sa.CheckConstraint(one_of("solidarity_type", SOLIDARITY_TYPES), name="solidarity_type"),
    sa.CheckConstraint(one_of("status", STATUSES), name="status"),
    sa.CheckConstraint(one_of("location_precision", LOCATION_PRECISIONS), name="location_precision"),
    sa.CheckConstraint(one_of("wheelchair", WHEELCHAIR_VALUES), name="wheelchair"),
)
#: An initiative's projects, in the order of its ``projects`` list.
initiative_projects = sa.Table(
    "initiative_projects",
    metadata,
    sa.Column("initiative_id", sa.String(64), sa.ForeignKey("initiatives.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("project_id", sa.String(64), sa.ForeignKey("projects.id"), primary_key=True),
    sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    sa.Index("ix_initiative_projects_project_id", "project_id"),
)
translations = sa.Table(
    "translations",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("language", sa.String(16), primary_key=True),
    sa.Column("field", sa.String(32), primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
)
load_errors = sa.Table(
    "load_errors",
    metadata,
    sa.Column("n", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("line", sa.Integer, nullable=False),
    sa.Column("field", sa.Text, nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("value", sa.Text, nullable=False, server_default=""),
)
#: One row per change of a row of the versioned tables: the history, and what a conflict names.
changes = sa.Table(
    "changes",
    metadata,
    sa.Column("n", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("who", sa.Text, nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("table_name", sa.String(32), nullable=False),
    sa.Column("row_id", sa.String(200), nullable=False),
    #: The row's version after this change.
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("before", sa.Text, nullable=True),
    sa.Column("after", sa.Text, nullable=True),
    sa.Column("batch", sa.String(64), nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.CheckConstraint(one_of("action", ACTIONS), name="action"),
    sa.CheckConstraint(one_of("table_name", VERSIONED_TABLES), name="table_name"),
    sa.CheckConstraint("who <> ''", name="who"),
    sa.Index("ix_changes_row", "table_name", "row_id", "version"),
    sa.Index("ix_changes_batch", "batch"),
)
#: A plain key/value cache (geocoding answers and the like), with the time of each entry.
cache = sa.Table(
    "cache",
    metadata,
    sa.Column("namespace", sa.String(64), primary_key=True),
    sa.Column("key", sa.String(512), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    #: Seconds since the epoch (UTC) when the entry was written.
    sa.Column("created", sa.Float, nullable=False),
    sa.Index("ix_cache_created", "namespace", "created"),
)
#: Shared rate limits: the next free slot per name, for every app process together.
rate_slots = sa.Table(
    "rate_slots",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    #: Seconds since the epoch (the database's clock) of the next free slot.
    sa.Column("next_at", sa.Float, nullable=False),
)
#: One row per batch of changes (a seed, an import, the undo of an import): what the team's page
#: lists as "the last import" and what an undo names.
batches = sa.Table(
    "batches",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("who", sa.Text, nullable=False),
    #: The file's name (an import), or what was undone.
    sa.Column("source", sa.Text, nullable=False, server_default=""),
    sa.Column("rows", sa.Integer, nullable=False, server_default="0"),
    #: The batch that undid this one (None while it stands).
    sa.Column("undone_by", sa.String(64), nullable=True),
    sa.CheckConstraint(one_of("kind", BATCH_KINDS), name="kind"),
    sa.Index("ix_batches_kind_at", "kind", "at"),
)
#: Failed sign-ins per account name (local accounts): counted before the password is checked.
sign_in_failures = sa.Table(
    "sign_in_failures",
    metadata,
    #: The account name as typed, folded (unknown names are counted too: the same answer for both).
    sa.Column("account", sa.String(200), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
    #: Seconds since the epoch (the database's clock) of the first failure of the current window.
    sa.Column("window_start", sa.Float, nullable=False),
    #: Until when sign-in is refused for this account (0: not locked).
    sa.Column("locked_until", sa.Float, nullable=False, server_default="0"),
)
#: Residents' suggestions (a new initiative or a mistake in one), waiting for an editor.
suggestions = sa.Table(
    "suggestions",
    metadata,
    sa.Column("n", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
    #: The initiative a correction is about ("" for a new one).
    sa.Column("initiative_id", sa.String(64), nullable=False, server_default=""),
    sa.Column("name", sa.Text, nullable=False, server_default=""),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("address", sa.Text, nullable=False, server_default=""),
    sa.Column("lat", sa.Float, nullable=True),
    sa.Column("lon", sa.Float, nullable=True),
    #: How to reach the initiative (public once approved by an editor).
    sa.Column("contact", sa.Text, nullable=False, server_default=""),
    #: How to reach the resident: shown to editors only, never public.
    sa.Column("reporter_contact", sa.Text, nullable=False, server_default=""),
    #: A hash of the browser session that sent it (rate limits), never the session itself.
    sa.Column("source_key", sa.String(64), nullable=False),
    sa.Column("decided_by", sa.Text, nullable=True),
    sa.Column("decided_at", sa.Float, nullable=True),
    #: The initiative the suggestion became or was merged into.
    sa.Column("result_id", sa.String(64), nullable=True),
    sa.CheckConstraint(one_of("kind", SUGGESTION_KINDS), name="kind"),
    sa.CheckConstraint(one_of("status", SUGGESTION_STATUSES), name="status"),
    sa.Index("ix_suggestions_status", "status", "created"),
    sa.Index("ix_suggestions_source", "source_key", "created"),
)
meta = sa.Table(
    "meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

#: The versioned tables by name.
TABLES: dict[str, sa.Table] = {"centres": centres, "projects": projects, "initiatives": initiatives}
