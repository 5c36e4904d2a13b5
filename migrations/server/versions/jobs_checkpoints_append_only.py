"""The job runner's queue (``jobs``), and signed checkpoints made append-only like the audit log.

Revision ID: jobs_checkpoints_append_only
Revises: staff_sessions
"""
import sqlalchemy as sa
from alembic import op

revision = "jobs_checkpoints_append_only"
down_revision = "staff_sessions"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", _ID, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("started_at", sa.String(32)),
        sa.Column("finished_at", sa.String(32)),
        sa.Column("heartbeat_at", sa.String(32)),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("done_rows", _ID, nullable=False, server_default="0"),
        sa.Column("total_rows", _ID),
        sa.Column("result", sa.Text()),
        sa.Column("error", sa.Text()),
    )
    _append_only_checkpoints()


def _append_only_checkpoints() -> None:
    """No code path may UPDATE or DELETE a signed checkpoint; the database refuses it too (as for audit_log)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""
            CREATE FUNCTION audit_checkpoints_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'audit_checkpoints is append-only: % refused', TG_OP;
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute("CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE OR DELETE OR TRUNCATE "
                   "ON audit_checkpoints FOR EACH STATEMENT EXECUTE FUNCTION audit_checkpoints_append_only()")
    else:
        op.execute("CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints "
                   "BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only: UPDATE refused'); END")
        op.execute("CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints "
                   "BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is append-only: DELETE refused'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_checkpoints_no_update ON audit_checkpoints")
        op.execute("DROP FUNCTION IF EXISTS audit_checkpoints_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_checkpoints_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_checkpoints_no_delete")
    op.drop_table("jobs")
