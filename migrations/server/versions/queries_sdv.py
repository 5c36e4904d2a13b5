"""Data queries with their threads, and source data verification marks (issue 19).

Revision ID: queries_sdv
Revises: lab_result_revisions
"""
import sqlalchemy as sa
from alembic import op

revision = "queries_sdv"
down_revision = "lab_result_revisions"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "queries",
        sa.Column("query_id", sa.String(36), primary_key=True),
        sa.Column("site_id", sa.String(16), nullable=False, index=True),
        sa.Column("participant_id", sa.String(32), nullable=False, index=True),
        sa.Column("target", sa.String(16), nullable=False),
        sa.Column("target_id", sa.String(36), nullable=False, index=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(64), nullable=False),
        sa.Column("value", sa.Text()),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("rule", sa.String(100)),
        sa.Column("rule_key", sa.String(240), unique=True),
        sa.Column("raised_by", sa.String(100), nullable=False),
        sa.Column("raised_at", sa.String(32), nullable=False),
        sa.Column("updated_at", sa.String(32), nullable=False),
        sa.Column("closed_by", sa.String(100)),
    )
    op.create_table(
        "query_messages",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("query_id", sa.String(36), nullable=False, index=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("author", sa.String(100), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_zh", sa.Text()),
        sa.Column("source_record_id", sa.String(48), unique=True),
    )
    op.create_table(
        "sdv_marks",
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(80), nullable=False),
        sa.Column("verified_by", sa.String(100), nullable=False),
        sa.Column("verified_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("record_id", "revision"),
    )


def downgrade() -> None:
    op.drop_table("sdv_marks")
    op.drop_table("query_messages")
    op.drop_table("queries")
