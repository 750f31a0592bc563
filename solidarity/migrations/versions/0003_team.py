"""The team's tables: import batches (for undo), failed sign-ins (lock-out), residents' suggestions.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BATCH_KINDS = ("seed", "import", "undo")
SUGGESTION_KINDS = ("new", "correction")
SUGGESTION_STATUSES = ("pending", "approved", "merged", "rejected")


def one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("who", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False, server_default=""),
        sa.Column("rows", sa.Integer, nullable=False, server_default="0"),
        sa.Column("undone_by", sa.String(64), nullable=True),
        sa.CheckConstraint(one_of("kind", BATCH_KINDS), name="kind"),
    )
    op.create_index("ix_batches_kind_at", "batches", ["kind", "at"])
    op.create_table(
        "sign_in_failures",
        sa.Column("account", sa.String(200), primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("window_start", sa.Float, nullable=False),
        sa.Column("locked_until", sa.Float, nullable=False, server_default="0"),
    )
    op.create_table(
        "suggestions",
        sa.Column("n", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("initiative_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("name", sa.Text, nullable=False, server_default=""),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("address", sa.Text, nullable=False, server_default=""),
        sa.Column("lat", sa.Float, nullable=True),
        sa.Column("lon", sa.Float, nullable=True),
        sa.Column("contact", sa.Text, nullable=False, server_default=""),
        sa.Column("reporter_contact", sa.Text, nullable=False, server_default=""),
        sa.Column("source_key", sa.String(64), nullable=False),
        sa.Column("decided_by", sa.Text, nullable=True),
        sa.Column("decided_at", sa.Float, nullable=True),
        sa.Column("result_id", sa.String(64), nullable=True),
        sa.CheckConstraint(one_of("kind", SUGGESTION_KINDS), name="kind"),
        sa.CheckConstraint(one_of("status", SUGGESTION_STATUSES), name="status"),
    )
    op.create_index("ix_suggestions_status", "suggestions", ["status", "created"])
    op.create_index("ix_suggestions_source", "suggestions", ["source_key", "created"])
    # The imports and seeds made before this revision, from the history (their batch ids).
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT batch, min(at), min(who), count(*), min(note) FROM changes WHERE batch IS NOT NULL GROUP BY batch"
    )).all()  # fmt: skip
    if rows:
        table = sa.table("batches", sa.column("id"), sa.column("kind"), sa.column("at", sa.DateTime(timezone=True)),
                         sa.column("who"), sa.column("source"), sa.column("rows"))  # fmt: skip
        op.bulk_insert(table, [
            {"id": batch, "kind": "seed" if who == "seed" else "import", "at": _when(at), "who": who,
             "source": (note or "").removeprefix("import of "), "rows": count}
            for batch, at, who, count, note in rows
        ])  # fmt: skip


def _when(value: object) -> dt.datetime:
    """A stored time (SQLite gives text) as an aware datetime."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    assert isinstance(value, dt.datetime)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def downgrade() -> None:
    op.drop_table("suggestions")
    op.drop_table("sign_in_failures")
    op.drop_table("batches")
