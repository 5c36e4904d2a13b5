"""Kiosk enrolment attempts, so enrolment is rate-limited per client address and per code.

Revision ID: enrolment_attempts
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "enrolment_attempts"
down_revision = "0002"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "enrolment_attempts",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("remote_addr", sa.String(64), nullable=False, index=True),
        sa.Column("code_digest", sa.String(64), index=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("enrolment_attempts")
