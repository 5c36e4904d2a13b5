"""Screening log and the screening numbers granted to each kiosk (issue 15).

Revision ID: screening_log
Revises: ae_coding_sae_reports
"""
import sqlalchemy as sa
from alembic import op

revision = "screening_log"
down_revision = "ae_coding_sae_reports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "screenings",
        sa.Column("participant_id", sa.String(32), primary_key=True),
        sa.Column("site_id", sa.String(16), nullable=False, index=True),
        sa.Column("screening_number", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.String(36), nullable=False),
        sa.Column("device_id", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("failed_criteria", sa.Text(), nullable=False),
        sa.Column("sex", sa.String(1), nullable=False),
        sa.Column("birth_year_month", sa.String(7), nullable=False),
        sa.Column("age_at_consent", sa.Integer(), nullable=False),
        sa.Column("consent_date", sa.String(10), nullable=False),
        sa.Column("screening_date", sa.String(10), nullable=False),
        sa.Column("screened_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "screening_number_grants",
        sa.Column("site_id", sa.String(16), nullable=False),
        sa.Column("first_number", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(64), nullable=False, index=True),
        sa.Column("granted_at", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("site_id", "first_number"),
    )


def downgrade() -> None:
    op.drop_table("screening_number_grants")
    op.drop_table("screenings")
