"""Records keep the verified staff account apart from the device; participants keep their consent date.

``records.staff_id``: the staff account that entered a revision (NULL: the participant), checked at sync
against the site's active accounts, next to ``device_id`` (the kiosk that sent it). ``participants.consent_date``:
from the enrolment, the earliest day any record of the participant may be dated. Existing rows are filled from
the stored bodies (``entered_by`` as it was sent; the newest enrolment revision's consent date).

Revision ID: record_staff_consent
Revises: jobs_checkpoints_append_only
"""
import json

import sqlalchemy as sa
from alembic import op

revision = "record_staff_consent"
down_revision = "jobs_checkpoints_append_only"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("staff_id", sa.String(64), nullable=True))
    with op.batch_alter_table("participants") as batch:
        batch.add_column(sa.Column("consent_date", sa.String(10), nullable=True))
    conn = op.get_bind()
    records = sa.table("records", sa.column("record_id"), sa.column("revision"), sa.column("kind"),
                       sa.column("participant_id"), sa.column("body"), sa.column("staff_id"))
    participants = sa.table("participants", sa.column("participant_id"), sa.column("consent_date"))
    consent: dict[str, tuple[int, str | None]] = {}
    for row in conn.execute(sa.select(records.c.record_id, records.c.revision, records.c.kind,
                                      records.c.participant_id, records.c.body)):
        body = json.loads(row.body)
        who = body.get("entered_by")
        if isinstance(who, str) and who.startswith("staff:"):
            conn.execute(sa.update(records).where(records.c.record_id == row.record_id,
                                                  records.c.revision == row.revision)
                         .values(staff_id=who[len("staff:"):][:64]))
        if row.kind == "enrolment" and row.revision >= consent.get(row.participant_id, (0, None))[0]:
            consent[row.participant_id] = (row.revision, (body.get("data") or {}).get("consent_date"))
    for pid, (_rev, day) in consent.items():
        conn.execute(sa.update(participants).where(participants.c.participant_id == pid).values(consent_date=day))


def downgrade() -> None:
    with op.batch_alter_table("participants") as batch:
        batch.drop_column("consent_date")
    with op.batch_alter_table("records") as batch:
        batch.drop_column("staff_id")
