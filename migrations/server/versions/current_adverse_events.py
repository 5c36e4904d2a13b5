"""The AE list's columns of each AE report's current revision, beside the records (issue 25 point 4).

``current_adverse_events``: one row per AE report (its current revision's grade, onset, outcome, terms,
seriousness, site, participant and time of receipt) so the admin AE list sorts and filters plain indexed columns
instead of the JSON of every AE body. ``store_revisions`` keeps it; existing AE reports are filled here from the
newest revision's stored body, read in batches.

Revision ID: current_adverse_events
Revises: home_diary_app_devices
"""
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "current_adverse_events"
down_revision = "home_diary_app_devices"
branch_labels = None
depends_on = None

TEXT_FIELDS = ("onset_date", "outcome", "term", "term_en")


def _columns(data: dict[str, Any]) -> dict[str, Any]:
    # As server.storage.adverse_events.list_columns did when this migration was written (migrations stay fixed).
    grade = data.get("grade")
    return {"grade": grade if isinstance(grade, int) and not isinstance(grade, bool) else None,
            **{f: data[f] if isinstance(data.get(f), str) else None for f in TEXT_FIELDS}}


def upgrade() -> None:
    table = op.create_table(
        "current_adverse_events",
        sa.Column("record_id", sa.String(36), primary_key=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.String(16), nullable=False),
        sa.Column("participant_id", sa.String(32), nullable=False, index=True),
        sa.Column("received_at", sa.String(32), nullable=False),
        sa.Column("serious", sa.Boolean(), nullable=False),
        sa.Column("grade", sa.Integer()),
        sa.Column("onset_date", sa.Text()),
        sa.Column("outcome", sa.Text()),
        sa.Column("term", sa.Text()),
        sa.Column("term_en", sa.Text()),
    )
    op.create_index("ix_current_adverse_events_received", "current_adverse_events", ["received_at", "record_id"])
    op.create_index("ix_current_adverse_events_grade", "current_adverse_events", ["grade", "record_id"])
    records = sa.table("records", sa.column("record_id"), sa.column("revision"), sa.column("kind"),
                       sa.column("site_id"), sa.column("participant_id"), sa.column("received_at"),
                       sa.column("serious"), sa.column("body"))
    conn = op.get_bind()
    newest = (sa.select(records.c.record_id, sa.func.max(records.c.revision).label("revision"))
              .where(records.c.kind == "adverse_event").group_by(records.c.record_id).subquery())
    rows = conn.execute(sa.select(records.c.record_id, records.c.revision, records.c.site_id,
                                  records.c.participant_id, records.c.received_at, records.c.serious,
                                  records.c.body)
                        .join_from(records, newest, sa.and_(newest.c.record_id == records.c.record_id,
                                                            newest.c.revision == records.c.revision))).fetchall()
    for at in range(0, len(rows), 1000):
        conn.execute(sa.insert(table), [
            {"record_id": r.record_id, "revision": r.revision, "site_id": r.site_id,
             "participant_id": r.participant_id, "received_at": r.received_at, "serious": bool(r.serious),
             **_columns(json.loads(r.body).get("data") or {})} for r in rows[at:at + 1000]])


def downgrade() -> None:
    op.drop_table("current_adverse_events")
