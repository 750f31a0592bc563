"""Baseline: the tables as the store made them before migrations (``metadata.create_all``).

A store written by that version (no ``alembic_version`` table) is stamped with this revision
by :func:`solidarity.migrate.upgrade` and then upgraded; an empty database starts here.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

CENTRE_COLUMNS = (
    "name", "wijk", "wijkcodes", "address", "postcode", "lat", "lon", "location_precision", "website", "source_url",
)  # fmt: skip
PROJECT_COLUMNS = ("name", "kind", "description", "url", "centres", "source_url")
INITIATIVE_COLUMNS = (
    "name", "description", "solidarity_type", "category", "centre_id", "projects", "address", "postcode", "lat",
    "lon", "location_precision", "website", "email", "phone", "opening_hours", "languages", "wheelchair",
    "target_group", "source_url", "last_verified", "status",
)  # fmt: skip


def _columns(names: tuple[str, ...]) -> list[sa.Column]:
    return [
        sa.Column(name, sa.Float, nullable=False) if name in ("lat", "lon") else sa.Column(name, sa.Text, nullable=False)
        for name in names
    ]


def upgrade() -> None:
    op.create_table(
        "centres",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False),
        *_columns(CENTRE_COLUMNS),
    )
    op.create_table(
        "projects",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False),
        *_columns(PROJECT_COLUMNS),
    )
    op.create_table("initiatives", sa.Column("id", sa.String(64), primary_key=True), *_columns(INITIATIVE_COLUMNS))
    op.create_table(
        "translations",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("language", sa.String(16), primary_key=True),
        sa.Column("field", sa.String(32), primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.create_table(
        "load_errors",
        sa.Column("n", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("line", sa.Integer, nullable=False),
        sa.Column("field", sa.Text, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "geocode_cache",
        sa.Column("key", sa.String(256), primary_key=True),
        sa.Column("places", sa.Text, nullable=False),
        sa.Column("created", sa.DateTime, nullable=False),
    )
    op.create_table(
        "meta", sa.Column("key", sa.String(64), primary_key=True), sa.Column("value", sa.Text, nullable=False)
    )


def downgrade() -> None:
    for name in ("meta", "geocode_cache", "load_errors", "translations", "initiatives", "projects", "centres"):
        op.drop_table(name)
