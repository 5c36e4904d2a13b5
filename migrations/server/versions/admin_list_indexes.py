"""Indexes behind the sorted, paged admin tables (issue 23 point 4, issue 25 point 4): the AE list by kind and
time of receipt, a page's participants' records by kind (so the planner never scans a kind for a few
people), the audit trail by actor, action and kind of entity (newest first within each), the queries
list by state and age, the participants list by enrolment time.

Revision ID: admin_list_indexes
Revises: screening_log
"""
from alembic import op

revision = "admin_list_indexes"
down_revision = "screening_log"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_records_kind_received", "records", ["kind", "received_at"]),
    ("ix_records_participant_kind", "records", ["participant_id", "kind"]),
    ("ix_audit_log_actor_seq", "audit_log", ["actor", "seq"]),
    ("ix_audit_log_action_seq", "audit_log", ["action", "seq"]),
    ("ix_audit_log_entity_seq", "audit_log", ["entity_type", "seq"]),
    ("ix_queries_state_raised", "queries", ["state", "raised_at"]),
    ("ix_participants_enrolled", "participants", ["enrolled_at"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in INDEXES:
        op.drop_index(name, table_name=table)
