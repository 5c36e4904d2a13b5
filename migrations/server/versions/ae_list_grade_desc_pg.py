"""The AE list sorted by grade, most severe first, from an index on PostgreSQL (issue 25 point 4).

The list orders a nullable column with NULLS LAST in both directions (``server/storage/paging.py``). On SQLite a
backward scan of ``ix_current_adverse_events_grade`` already gives ``grade DESC NULLS LAST`` (NULL sorts lowest)
and SQLite indexes cannot name a NULLS order. On PostgreSQL NULL sorts highest, so the backward scan gives
``DESC NULLS FIRST`` and the list sorted 16 000 reports per page at a million records: this index serves it.

Revision ID: ae_list_grade_desc_pg
Revises: current_adverse_events
"""
from alembic import op

revision = "ae_list_grade_desc_pg"
down_revision = "current_adverse_events"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_current_adverse_events_grade_desc ON current_adverse_events "
                   "(grade DESC NULLS LAST, record_id DESC)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_current_adverse_events_grade_desc")
