"""MedDRA release (bring your own), data-manager AE codings and SAE report marks (issue 17).

Revision ID: ae_coding_sae_reports
Revises: queries_sdv
"""
import sqlalchemy as sa
from alembic import op

revision = "ae_coding_sae_reports"  # alembic_version holds at most 32 characters
down_revision = "queries_sdv"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "meddra_release",
        sa.Column("release_id", sa.Integer(), primary_key=True),     # always 1: one release at a time
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("language", sa.String(64), nullable=False),
        sa.Column("imported_at", sa.String(32), nullable=False),
        sa.Column("imported_by", sa.String(100), nullable=False),
        sa.Column("llt_count", sa.Integer(), nullable=False),
        sa.Column("pt_count", sa.Integer(), nullable=False),
    )
    op.create_table(
        "meddra_llt",
        sa.Column("llt_code", sa.Integer(), primary_key=True),
        sa.Column("llt_name", sa.String(200), nullable=False),
        sa.Column("llt_key", sa.String(200), nullable=False, index=True),   # exact-match look-up key
        sa.Column("pt_code", sa.Integer(), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "meddra_pt",
        sa.Column("pt_code", sa.Integer(), primary_key=True),
        sa.Column("pt_name", sa.String(200), nullable=False),
        sa.Column("hlt_code", sa.Integer(), nullable=False),
        sa.Column("hlt_name", sa.String(200), nullable=False),
        sa.Column("hlgt_code", sa.Integer(), nullable=False),
        sa.Column("hlgt_name", sa.String(200), nullable=False),
        sa.Column("soc_code", sa.Integer(), nullable=False),
        sa.Column("soc_name", sa.String(200), nullable=False),
        sa.Column("soc_abbrev", sa.String(20), nullable=False),
    )
    op.create_table(
        "ae_codings",
        sa.Column("record_id", sa.String(36), primary_key=True),
        sa.Column("llt_code", sa.Integer(), nullable=False),
        sa.Column("coded_by", sa.String(100), nullable=False),
        sa.Column("coded_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "sae_reports",
        sa.Column("record_id", sa.String(36), primary_key=True),
        sa.Column("reported_at", sa.String(40), nullable=False),     # as staff state it, with its offset
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("marked_by", sa.String(100), nullable=False),
        sa.Column("marked_at", sa.String(32), nullable=False),       # UTC
    )


def downgrade() -> None:
    for table in ("sae_reports", "ae_codings", "meddra_pt", "meddra_llt", "meddra_release"):
        op.drop_table(table)
