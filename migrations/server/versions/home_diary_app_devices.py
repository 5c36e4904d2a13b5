"""Home diary on the participant's phone (issue 24): devices gain a kind ('kiosk' or 'participant_app') and, for
an app, the participant it belongs to; one-time app activation codes (only their digest is kept); records gain
the site-local ``diary_date`` of a home entry (NULL for every visit record), so the one-entry-per-day rule and
the kiosks' ``home_entries`` read a column instead of every body.

Revision ID: home_diary_app_devices
Revises: admin_list_indexes
"""
import sqlalchemy as sa
from alembic import op

revision = "home_diary_app_devices"
down_revision = "admin_list_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices") as batch:
        batch.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="kiosk"))
        batch.add_column(sa.Column("participant_id", sa.String(32), nullable=True))
        batch.create_check_constraint("ck_devices_kind", "kind IN ('kiosk', 'participant_app')")
        batch.create_check_constraint(
            "ck_devices_app_participant",
            "(kind = 'participant_app' AND participant_id IS NOT NULL) OR (kind = 'kiosk' AND participant_id IS NULL)")
    op.create_index("ix_devices_participant", "devices", ["participant_id"])
    op.create_table(
        "app_activation_codes",
        sa.Column("code_digest", sa.String(64), primary_key=True),
        sa.Column("participant_id", sa.String(32), nullable=False, index=True),
        sa.Column("site_id", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("expires_at", sa.String(32), nullable=False),
        sa.Column("used_at", sa.String(32)),
        sa.Column("device_id", sa.String(64)),
    )
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("diary_date", sa.String(10), nullable=True))
    op.create_index("ix_records_participant_diary_date", "records", ["participant_id", "diary_date"])


def downgrade() -> None:
    op.drop_index("ix_records_participant_diary_date", "records")
    with op.batch_alter_table("records") as batch:
        batch.drop_column("diary_date")
    op.drop_table("app_activation_codes")
    op.drop_index("ix_devices_participant", "devices")
    with op.batch_alter_table("devices") as batch:
        batch.drop_constraint("ck_devices_app_participant", type_="check")
        batch.drop_constraint("ck_devices_kind", type_="check")
        batch.drop_column("participant_id")
        batch.drop_column("kind")
