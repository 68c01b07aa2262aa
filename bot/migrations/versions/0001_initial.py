"""The schema as `metadata.create_all` made it before migrations.

A database made by that older code has some or all of these tables and no alembic_version:
it is adopted in place, because each table is created only if it is missing (the rows in
existing ones are kept), and the next revisions then apply to it as to a new database.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())

    def create(name: str, *columns: sa.Column) -> None:
        if name not in existing:
            op.create_table(name, *columns)

    create("seen_events",
           sa.Column("event_id", sa.String(64), primary_key=True),
           sa.Column("seen_at", sa.Float, nullable=False))
    create("answers",
           sa.Column("id", sa.String(32), primary_key=True),
           sa.Column("question", sa.Text, nullable=False),
           sa.Column("answer", sa.Text, nullable=False),
           sa.Column("status", sa.String(32), nullable=False),
           sa.Column("chunk_ids", sa.Text, nullable=False),
           sa.Column("payload", sa.Text, nullable=False),
           sa.Column("channel", sa.String(64)), sa.Column("user_id", sa.String(64)),
           sa.Column("latency_ms", sa.Float), sa.Column("created_at", sa.Float, nullable=False))
    create("feedback",
           sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
           sa.Column("answer_id", sa.String(32), nullable=False),
           sa.Column("helpful", sa.Integer, nullable=False), sa.Column("reason", sa.Text),
           sa.Column("question", sa.Text, nullable=False),
           sa.Column("answer", sa.Text, nullable=False),
           sa.Column("chunk_ids", sa.Text, nullable=False), sa.Column("channel", sa.String(64)),
           sa.Column("user_id", sa.String(64)), sa.Column("created_at", sa.Float, nullable=False))
    create("ingest_runs",
           sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
           sa.Column("finished_at", sa.Float, nullable=False),
           sa.Column("collection", sa.String(128)), sa.Column("summary", sa.Text, nullable=False),
           sa.Column("failed", sa.Text, nullable=False))


def downgrade() -> None:
    for name in ("ingest_runs", "feedback", "answers", "seen_events"):
        op.drop_table(name)
