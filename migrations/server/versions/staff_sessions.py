"""Server-side staff sessions: revocable at sign-out, disable, reset and role change.

Revision ID: staff_sessions
Revises: enrolment_attempts
"""
import sqlalchemy as sa
from alembic import op

revision = "staff_sessions"
down_revision = "enrolment_attempts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_sessions",
        sa.Column("session_digest", sa.String(64), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, index=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("last_seen_at", sa.String(32), nullable=False),
        sa.Column("expires_at", sa.String(32), nullable=False),
        sa.Column("remote_addr", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("staff_sessions")
