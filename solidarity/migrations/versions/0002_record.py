"""The store becomes the record: versions, archive flags, history, relational projects, checks.

- ``centres``, ``projects``, ``initiatives``: an integer ``version`` and an ``archived`` flag;
  CHECK constraints for the vocabularies of :mod:`solidarity.model`;
- ``initiatives.centre_id`` becomes a foreign key to ``centres`` ("" becomes NULL);
- ``initiatives.projects`` (a ``;`` list) becomes the link table ``initiative_projects``;
- new tables ``changes`` (the history), ``cache`` (key/value, replaces ``geocode_cache``,
  whose entries are copied) and ``rate_slots`` (rate limits shared by every app process);
- ``meta.data_version`` always exists (it is bumped in every write transaction).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SOLIDARITY_TYPES = ("direct", "indirect", "both")
LOCATION_PRECISIONS = ("exact", "street", "approximate")
WHEELCHAIR_VALUES = ("yes", "no", "unknown")
STATUSES = ("active", "inactive")
PROJECT_KINDS = ("project", "practice")
ACTIONS = ("create", "update", "archive", "unarchive", "restore")
VERSIONED_TABLES = ("centres", "projects", "initiatives", "translations")


def one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _versioning(batch: object) -> None:
    batch.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="1"))
    batch.add_column(sa.Column("archived", sa.Boolean, nullable=False, server_default=sa.false()))


def upgrade() -> None:
    conn = op.get_bind()
    with op.batch_alter_table("centres") as batch:
        batch.alter_column("seq", server_default="0")
        _versioning(batch)
        batch.create_check_constraint("location_precision", one_of("location_precision", LOCATION_PRECISIONS))
    with op.batch_alter_table("projects") as batch:
        batch.alter_column("seq", server_default="0")
        _versioning(batch)
        batch.create_check_constraint("kind", one_of("kind", PROJECT_KINDS))

    # The projects of each initiative, read before the column goes.
    links = conn.execute(sa.text("SELECT id, projects FROM initiatives ORDER BY id")).all()
    known_projects = {row[0] for row in conn.execute(sa.text("SELECT id FROM projects"))}

    with op.batch_alter_table("initiatives") as batch:
        batch.alter_column("centre_id", existing_type=sa.Text, type_=sa.String(64), nullable=True)
    conn.execute(sa.text("UPDATE initiatives SET centre_id = NULL WHERE centre_id = ''"))
    with op.batch_alter_table("initiatives") as batch:
        _versioning(batch)
        batch.drop_column("projects")
        batch.create_foreign_key("fk_initiatives_centre_id_centres", "centres", ["centre_id"], ["id"])
        batch.create_check_constraint("solidarity_type", one_of("solidarity_type", SOLIDARITY_TYPES))
        batch.create_check_constraint("status", one_of("status", STATUSES))
        batch.create_check_constraint("location_precision", one_of("location_precision", LOCATION_PRECISIONS))
        batch.create_check_constraint("wheelchair", one_of("wheelchair", WHEELCHAIR_VALUES))

    link_table = op.create_table(
        "initiative_projects",
        sa.Column("initiative_id", sa.String(64), sa.ForeignKey("initiatives.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("project_id", sa.String(64), sa.ForeignKey("projects.id"), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_index("ix_initiative_projects_project_id", "initiative_projects", ["project_id"])
    rows = []
    for initiative_id, value in links:
        seen: set[str] = set()
        for position, project_id in enumerate(p.strip() for p in (value or "").split(";")):
            if project_id and project_id not in seen:
                if project_id not in known_projects:
                    raise RuntimeError(f"initiative {initiative_id} names unknown project {project_id!r}")
                seen.add(project_id)
                rows.append({"initiative_id": initiative_id, "project_id": project_id, "position": position})
    if rows:
        op.bulk_insert(link_table, rows)

    op.create_table(
        "changes",
        sa.Column("n", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("who", sa.Text, nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("table_name", sa.String(32), nullable=False),
        sa.Column("row_id", sa.String(200), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("before", sa.Text, nullable=True),
        sa.Column("after", sa.Text, nullable=True),
        sa.Column("batch", sa.String(64), nullable=True),
        sa.Column("note", sa.Text, nullable=True),
        sa.CheckConstraint(one_of("action", ACTIONS), name="action"),
        sa.CheckConstraint(one_of("table_name", VERSIONED_TABLES), name="table_name"),
        sa.CheckConstraint("who <> ''", name="who"),
    )
    op.create_index("ix_changes_row", "changes", ["table_name", "row_id", "version"])
    op.create_index("ix_changes_batch", "changes", ["batch"])

    cache = op.create_table(
        "cache",
        sa.Column("namespace", sa.String(64), primary_key=True),
        sa.Column("key", sa.String(512), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("created", sa.Float, nullable=False),
    )
    op.create_index("ix_cache_created", "cache", ["namespace", "created"])
    old = conn.execute(sa.text("SELECT key, places, created FROM geocode_cache")).all()
    if old:
        op.bulk_insert(
            cache,
            [{"namespace": "geocode", "key": key, "value": places, "created": _epoch(created)}
             for key, places, created in old],
        )
    op.drop_table("geocode_cache")
    op.create_table(
        "rate_slots",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("next_at", sa.Float, nullable=False),
    )

    conn.execute(sa.text("DELETE FROM meta WHERE key = 'origin'"))
    if conn.execute(sa.text("SELECT count(*) FROM meta WHERE key = 'data_version'")).scalar_one() == 0:
        conn.execute(sa.text("INSERT INTO meta (key, value) VALUES ('data_version', '0')"))


def _epoch(value: object) -> float:
    """Seconds since the epoch of a stored ``created`` (a datetime, or SQLite's text of one)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.timestamp()
    return 0.0


def downgrade() -> None:
    raise NotImplementedError("the store's history cannot be folded back into the old tables: restore a backup")
