"""Lab results as revisions: any number of results per visit, a correction is revision n + 1 with a reason, and a
``seq`` that orders every stored revision (the kiosk's downstream cursor).

The table is rebuilt (SQLite cannot change a primary key in place): every stored result is kept as revision 1.

Revision ID: lab_result_revisions
Revises: signatures_and_locks
"""
import sqlalchemy as sa
from alembic import op

revision = "lab_result_revisions"
down_revision = "signatures_and_locks"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_KEPT = ("result_id", "revision", "participant_id", "site_id", "visit_id", "test_code", "sample_date", "value",
         "unit", "source_file", "source_row", "imported_at", "imported_by")


def upgrade() -> None:
    op.create_table(
        "lab_results_v2",
        sa.Column("seq", _ID, primary_key=True, autoincrement=True),
        sa.Column("result_id", sa.String(36), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.String(32), nullable=False),
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
        sa.Column("reason", sa.Text(), nullable=True),
        sa.UniqueConstraint("result_id", "revision", name="uq_lab_result_revision"),
    )
    cols = ", ".join(_KEPT)
    op.execute(f"INSERT INTO lab_results_v2 ({cols}) SELECT {cols} FROM lab_results ORDER BY imported_at, result_id")
    op.drop_table("lab_results")
    op.rename_table("lab_results_v2", "lab_results")
    op.create_index("ix_lab_results_participant_id", "lab_results", ["participant_id"])
    op.create_index("ix_lab_results_site_seq", "lab_results", ["site_id", "seq"])


def downgrade() -> None:
    raise NotImplementedError("lab result revisions cannot be folded back into one result per visit")
