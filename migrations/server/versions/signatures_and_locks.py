"""Investigator e-signatures (append-only, bound to the content hashes they cover), participant freezes and the
study lock (issue 19), and the session's first signing (21 CFR 11.200(a)(1): later signings take the password).

Revision ID: signatures_and_locks
Revises: record_staff_consent
"""
import sqlalchemy as sa
from alembic import op

revision = "signatures_and_locks"
down_revision = "record_staff_consent"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signatures",
        sa.Column("signature_id", sa.String(36), primary_key=True),
        sa.Column("participant_id", sa.String(32), nullable=False, index=True),
        sa.Column("site_id", sa.String(16), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),           # visit or casebook
        sa.Column("visit_id", sa.String(32)),                       # the visit signed (scope visit)
        sa.Column("signer", sa.String(64), nullable=False),         # the account that signed
        sa.Column("printed_name", sa.String(200), nullable=False),  # its display name when it signed
        sa.Column("meaning", sa.String(32), nullable=False),        # meaning code (see shared/signatures.py)
        sa.Column("meaning_text", sa.Text(), nullable=False),       # the statement shown to and signed by them
        sa.Column("signed_at", sa.String(32), nullable=False),      # UTC
        sa.Column("signed_at_local", sa.String(40), nullable=False),  # at the site's zone, with its offset
        sa.Column("manifest", sa.Text(), nullable=False),           # canonical JSON of the hash set signed
        sa.Column("manifest_hash", sa.String(80), nullable=False),
        sa.Column("signature_hash", sa.String(80), nullable=False),  # binds signer, meaning, time and manifest
    )
    op.create_table(
        "locks",
        sa.Column("scope", sa.String(16), nullable=False),          # participant or study
        sa.Column("target", sa.String(64), nullable=False),         # the participant id ('' for the study)
        sa.Column("locked_at", sa.String(32), nullable=False),
        sa.Column("locked_by", sa.String(100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "target"),
    )
    op.add_column("staff_sessions", sa.Column("signed_at", sa.String(32)))
    _append_only("signatures")


def _append_only(table: str) -> None:
    """A signature is never changed or removed (a correction breaks it; a new one is added); the database says so."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION {table}_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '{table} is append-only: % refused', TG_OP;
            END;
            $$ LANGUAGE plpgsql
        """)
        op.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE OR TRUNCATE "
                   f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()")
    else:
        op.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                   f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END")
        op.execute(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                   f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS signatures_no_update ON signatures")
        op.execute("DROP FUNCTION IF EXISTS signatures_append_only()")
    op.drop_column("staff_sessions", "signed_at")
    op.drop_table("locks")
    op.drop_table("signatures")
