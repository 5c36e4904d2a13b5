"""Audit checkpoints (signed chain heads), sign-in attempts (rate limiting, lock-out), laboratory results.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("head_seq", _ID, nullable=False),
        sa.Column("head_hash", sa.String(80), nullable=False),
        sa.Column("signed_at", sa.String(32), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
    )
    op.create_table(
        "login_attempts",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(64), nullable=False, index=True),
        sa.Column("remote_addr", sa.String(64), nullable=False, index=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "lab_results",
        sa.Column("result_id", sa.String(36), primary_key=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(32), nullable=False, index=True),
        sa.Column("site_id", sa.String(16), nullable=False),
        sa.Column("visit_id", sa.String(32), nullable=False),
        sa.Column("test_code", sa.String(16), nullable=False),
        sa.Column("sample_date", sa.String(10), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("source_file", sa.String(255), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.String(32), nullable=False),
        sa.Column("imported_by", sa.String(100), nullable=False),
        sa.UniqueConstraint("participant_id", "visit_id", "test_code", name="uq_lab_once_per_visit"),
    )


def downgrade() -> None:
    op.drop_table("lab_results")
    op.drop_table("login_attempts")
    op.drop_table("audit_checkpoints")
