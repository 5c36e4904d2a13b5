"""The server schema as SQLAlchemy Core tables (Alembic migrations in migrations/server/ create them)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

devices = Table(
    "devices", metadata,
    Column("device_id", String(64), primary_key=True),
    Column("site_id", String(16), nullable=False),
    Column("label", String(200), nullable=False),
    Column("token_digest", String(64), nullable=False, unique=True),
    Column("enrolled_at", String(32), nullable=False),
    Column("revoked_at", String(32)),
    Column("last_seen_at", String(32)),
    # issue 24: a kiosk, or a participant's phone (the home diary app) bound to one participant
    Column("kind", String(16), nullable=False, server_default="kiosk"),
    Column("participant_id", String(32)),
    CheckConstraint("kind IN ('kiosk', 'participant_app')", name="ck_devices_kind"),
    CheckConstraint("(kind = 'participant_app' AND participant_id IS NOT NULL) OR "
                    "(kind = 'kiosk' AND participant_id IS NULL)", name="ck_devices_app_participant"),
    Index("ix_devices_participant", "participant_id"),
)

enrolment_codes = Table(
    "enrolment_codes", metadata,
    Column("code_digest", String(64), primary_key=True),
    Column("site_id", String(16), nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
    Column("used_at", String(32)),
    Column("device_id", String(64)),
)

app_activation_codes = Table(   # issue 24: one-time codes a phone exchanges for a participant credential
    "app_activation_codes", metadata,
    Column("code_digest", String(64), primary_key=True),
    Column("participant_id", String(32), nullable=False, index=True),
    Column("site_id", String(16), nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
    Column("used_at", String(32)),
    Column("device_id", String(64)),
)

enrolment_attempts = Table(
    "enrolment_attempts", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("remote_addr", String(64), nullable=False, index=True),
    Column("code_digest", String(64), index=True),
    Column("at", String(32), nullable=False),
    Column("succeeded", Boolean, nullable=False),
)

participants = Table(
    "participants", metadata,
    Column("participant_id", String(32), primary_key=True),
    Column("site_id", String(16), nullable=False, index=True),
    Column("arm", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("enrolled_at", String(32), nullable=False),
    Column("enrolment_record_id", String(36), nullable=False),
    Column("allocation_number", Integer, nullable=False),
    Column("year_of_birth", Integer, nullable=False),
    Column("sex", String(1), nullable=False),
    Column("consent_date", String(10)),  # from the enrolment (NULL only for rows made before it was kept)
    Index("ix_participants_enrolled", "enrolled_at"),
)

records = Table(
    "records", metadata,
    Column("record_id", String(36), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("site_id", String(16), nullable=False),
    Column("participant_id", String(32), nullable=False, index=True),
    Column("visit_id", String(32)),
    Column("instrument_id", String(64)),
    Column("instrument_version", String(16)),
    Column("content_hash", String(80), nullable=False),
    Column("body", Text, nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("staff_id", String(64)),  # the verified staff account that entered it; NULL: the participant
    Column("collected_at", String(32), nullable=False),
    Column("received_at", String(32), nullable=False),
    Column("serious", Boolean, nullable=False, default=False),
    Column("diary_date", String(10)),   # issue 24: a home entry's site-local data.diary_date; NULL otherwise
    PrimaryKeyConstraint("record_id", "revision"),
    Index("ix_records_kind_received", "kind", "received_at"),       # the AE list (admin_list_indexes)
    Index("ix_records_participant_kind", "participant_id", "kind"),  # a page's participants' records of a kind
    Index("ix_records_participant_diary_date", "participant_id", "diary_date"),  # home entries (issue 24)
)

corrections = Table(
    "corrections", metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("site_id", String(16), nullable=False, index=True),
    Column("record_id", String(36), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("created_at", String(32), nullable=False),
)

sync_conflicts = Table(
    "sync_conflicts", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("record_id", String(36), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("received_hash", String(80), nullable=False),
    Column("stored_hash", String(80), nullable=False),
    Column("body", Text, nullable=False),
    Column("received_at", String(32), nullable=False),
    Column("resolved_at", String(32)),
    Column("resolved_by", String(100)),
    Column("resolution", Text),
    UniqueConstraint("record_id", "revision", "received_hash", name="uq_conflict_once"),
)

audit_log = Table(
    "audit_log", metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("at", String(32), nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(64), nullable=False),
    Column("entity_type", String(32), nullable=False),
    Column("entity_id", String(100), nullable=False),
    Column("old", Text),
    Column("new", Text),
    Column("reason", Text),
    Column("prev_hash", String(80), nullable=False),
    Column("entry_hash", String(80), nullable=False),
    Index("ix_audit_log_actor_seq", "actor", "seq"),                 # the audit table sorted by these
    Index("ix_audit_log_action_seq", "action", "seq"),
    Index("ix_audit_log_entity_seq", "entity_type", "seq"),
)

audit_head = Table(
    "audit_head", metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    Column("entry_hash", String(80), nullable=False),
)

server_keys = Table(
    "server_keys", metadata,
    Column("purpose", String(32), primary_key=True),
    Column("private_key", LargeBinary, nullable=False),
    Column("public_key", LargeBinary, nullable=False),
    Column("created_at", String(32), nullable=False),
)

allocation_lists = Table(
    "allocation_lists", metadata,
    Column("list_id", String(36), primary_key=True),
    Column("site_id", String(16), nullable=False, index=True),
    Column("signed", Text, nullable=False),
    Column("first_block", Integer, nullable=False),
    Column("last_block", Integer, nullable=False),
    Column("last_number", Integer, nullable=False),
    Column("created_at", String(32), nullable=False),
)

# --- screening log and screening numbers (issue 15)
screenings = Table(  # one row per screened person: the participant id given at consent, whatever the outcome
    "screenings", metadata,
    Column("participant_id", String(32), primary_key=True),
    Column("site_id", String(16), nullable=False, index=True),
    Column("screening_number", Integer, nullable=False),
    Column("record_id", String(36), nullable=False),
    Column("device_id", String(64), nullable=False),
    Column("outcome", String(20), nullable=False),          # eligible, screen_failure, pending
    Column("failed_criteria", Text, nullable=False),        # JSON list of criterion ids
    Column("sex", String(1), nullable=False),
    Column("birth_year_month", String(7), nullable=False),
    Column("age_at_consent", Integer, nullable=False),
    Column("consent_date", String(10), nullable=False),
    Column("screening_date", String(10), nullable=False),
    Column("screened_at", String(32), nullable=False),
)
screening_number_grants = Table(  # ranges of screening numbers a kiosk may give offline
    "screening_number_grants", metadata,
    Column("site_id", String(16), nullable=False),
    Column("first_number", Integer, nullable=False),
    Column("last_number", Integer, nullable=False),
    Column("device_id", String(64), nullable=False, index=True),
    Column("granted_at", String(32), nullable=False),
    PrimaryKeyConstraint("site_id", "first_number"),
)
allocation_grants = Table(
    "allocation_grants", metadata,
    Column("site_id", String(16), nullable=False),
    Column("block", Integer, nullable=False),
    Column("list_id", String(36), nullable=False),
    Column("device_id", String(64), nullable=False, index=True),
    Column("granted_at", String(32), nullable=False),
    PrimaryKeyConstraint("site_id", "block"),
)

settings = Table(
    "settings", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

users = Table(
    "users", metadata,
    Column("username", String(64), primary_key=True),
    Column("display_name", String(200), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("roles", String(200), nullable=False),        # comma-separated: admin,data_manager,...
    Column("sites", String(200), nullable=False),        # comma-separated site ids
    Column("disabled", Boolean, nullable=False, default=False),
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", String(32)),
    Column("created_at", String(32), nullable=False),
    Column("password_changed_at", String(32), nullable=False),
)

audit_checkpoints = Table(
    "audit_checkpoints", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("head_seq", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
    Column("head_hash", String(80), nullable=False),
    Column("signed_at", String(32), nullable=False),
    Column("signature", Text, nullable=False),
    Column("public_key", Text, nullable=False),
)

login_attempts = Table(
    "login_attempts", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, index=True),
    Column("remote_addr", String(64), nullable=False, index=True),
    Column("at", String(32), nullable=False),
    Column("succeeded", Boolean, nullable=False),
)

lab_results = Table(
    "lab_results", metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("result_id", String(36), nullable=False),
    Column("revision", Integer, nullable=False, default=1),   # a correction is revision n + 1 with a reason
    Column("participant_id", String(32), nullable=False, index=True),
    Column("site_id", String(16), nullable=False),
    Column("visit_id", String(32), nullable=False),
    Column("test_code", String(16), nullable=False),        # LBTESTCD of the study file's lab panel
    Column("sample_date", String(10), nullable=False),
    Column("value", Float, nullable=False),
    Column("unit", String(16), nullable=False),
    Column("source_file", String(255), nullable=False),
    Column("source_row", Integer, nullable=False),
    Column("imported_at", String(32), nullable=False),
    Column("imported_by", String(100), nullable=False),
    Column("reason", Text, nullable=True),                  # why a correction changed the value (revision > 1)
    UniqueConstraint("result_id", "revision", name="uq_lab_result_revision"),
    Index("ix_lab_results_site_seq", "site_id", "seq"),
)

staff_sessions = Table(
    "staff_sessions", metadata,
    Column("session_digest", String(64), primary_key=True),     # SHA-256 of the cookie's token, never the token
    Column("username", String(64), nullable=False, index=True),
    Column("created_at", String(32), nullable=False),
    Column("last_seen_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),           # absolute end, whatever the activity
    Column("remote_addr", String(64), nullable=False),
    Column("signed_at", String(32)),     # first e-signature in this session (21 CFR 11.200(a)(1)); NULL: none yet
)

# Background work for the one job runner (`trialpro-server worker`): exports and later long tasks.
jobs = Table(
    "jobs", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("params", Text, nullable=False),                  # JSON
    Column("status", String(16), nullable=False, index=True),  # queued, running, done, failed
    Column("created_by", String(100), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("started_at", String(32)),
    Column("finished_at", String(32)),
    Column("heartbeat_at", String(32)),                      # a running job not heard of for long is re-queued
    Column("attempts", Integer, nullable=False, default=0),
    Column("done_rows", BigInteger().with_variant(Integer, "sqlite"), nullable=False, default=0),
    Column("total_rows", BigInteger().with_variant(Integer, "sqlite")),
    Column("result", Text),                                  # JSON, when done
    Column("error", Text),                                   # what went wrong, when failed
)

# --- signatures and locks (issue 19)
# Investigator e-signatures: append-only (triggers refuse UPDATE/DELETE); each binds the hash set it covers.
signatures = Table(
    "signatures", metadata,
    Column("signature_id", String(36), primary_key=True),
    Column("participant_id", String(32), nullable=False, index=True),
    Column("site_id", String(16), nullable=False),
    Column("scope", String(16), nullable=False),            # visit or casebook
    Column("visit_id", String(32)),
    Column("signer", String(64), nullable=False),
    Column("printed_name", String(200), nullable=False),
    Column("meaning", String(32), nullable=False),
    Column("meaning_text", Text, nullable=False),
    Column("signed_at", String(32), nullable=False),
    Column("signed_at_local", String(40), nullable=False),
    Column("manifest", Text, nullable=False),
    Column("manifest_hash", String(80), nullable=False),
    Column("signature_hash", String(80), nullable=False),
)

# Frozen participants (scope participant, target = id) and the study lock (scope study, target '').
locks = Table(
    "locks", metadata,
    Column("scope", String(16), nullable=False),
    Column("target", String(64), nullable=False),
    Column("locked_at", String(32), nullable=False),
    Column("locked_by", String(100), nullable=False),
    Column("reason", Text, nullable=False),
    PrimaryKeyConstraint("scope", "target"),
)

# --- data queries and source data verification (issue 19) ---------------------------------------------------------
# A query asks about one field of one record (or lab result); its thread is query_messages. A rule's query has a
# rule_key (rule|target|field), unique, so the job runner never raises the same query twice.
queries = Table(
    "queries", metadata,
    Column("query_id", String(36), primary_key=True),
    Column("site_id", String(16), nullable=False, index=True),
    Column("participant_id", String(32), nullable=False, index=True),
    Column("target", String(16), nullable=False),            # record | lab_result
    Column("target_id", String(36), nullable=False, index=True),
    Column("revision", Integer, nullable=False),             # the revision questioned
    Column("field", String(64), nullable=False),
    Column("value", Text),                                   # JSON of the value questioned
    Column("state", String(16), nullable=False, index=True),  # open, answered, closed, reopened
    Column("rule", String(100)),                             # NULL: raised by a person
    Column("rule_key", String(240), unique=True),
    Column("raised_by", String(100), nullable=False),
    Column("raised_at", String(32), nullable=False),
    Column("updated_at", String(32), nullable=False),
    Column("closed_by", String(100)),                        # who closed it last (system:rules: the rule itself)
    Index("ix_queries_state_raised", "state", "raised_at"),
)

query_messages = Table(
    "query_messages", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("query_id", String(36), nullable=False, index=True),
    Column("at", String(32), nullable=False),
    Column("author", String(100), nullable=False),
    Column("action", String(16), nullable=False),            # raise, answer, close, reopen
    Column("text", Text, nullable=False),
    Column("text_zh", Text),                                 # a rule's message in Chinese too
    Column("source_record_id", String(48), unique=True),     # "<record id>#<revision>" of a kiosk answer
)

sdv_marks = Table(
    "sdv_marks", metadata,
    Column("record_id", String(36), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("content_hash", String(80), nullable=False),      # what the monitor compared with the source
    Column("verified_by", String(100), nullable=False),
    Column("verified_at", String(32), nullable=False),
    PrimaryKeyConstraint("record_id", "revision"),
)

# --- adverse events: MedDRA dictionary, coding, SAE reports (issue 17)
# The imported MedDRA release (bring your own; replaced whole by the next import): one row per LLT, one per PT
# with its primary path, and the release itself.
meddra_release = Table(
    "meddra_release", metadata,
    Column("release_id", Integer, primary_key=True),        # always 1: one release at a time
    Column("version", String(64), nullable=False),
    Column("language", String(64), nullable=False),
    Column("imported_at", String(32), nullable=False),
    Column("imported_by", String(100), nullable=False),
    Column("llt_count", Integer, nullable=False),
    Column("pt_count", Integer, nullable=False),
)
meddra_llt = Table(
    "meddra_llt", metadata,
    Column("llt_code", Integer, primary_key=True),
    Column("llt_name", String(200), nullable=False),
    Column("llt_key", String(200), nullable=False, index=True),   # shared.meddra.term_key: exact-match look-up
    Column("pt_code", Integer, nullable=False),
    Column("current", Boolean, nullable=False),
)
meddra_pt = Table(
    "meddra_pt", metadata,
    Column("pt_code", Integer, primary_key=True),
    Column("pt_name", String(200), nullable=False),
    Column("hlt_code", Integer, nullable=False),
    Column("hlt_name", String(200), nullable=False),
    Column("hlgt_code", Integer, nullable=False),
    Column("hlgt_name", String(200), nullable=False),
    Column("soc_code", Integer, nullable=False),
    Column("soc_name", String(200), nullable=False),
    Column("soc_abbrev", String(20), nullable=False),
)
# A data manager's coding of one AE (the exact-match auto-coding needs no row); audited as ae.code.
ae_codings = Table(
    "ae_codings", metadata,
    Column("record_id", String(36), primary_key=True),
    Column("llt_code", Integer, nullable=False),
    Column("coded_by", String(100), nullable=False),
    Column("coded_at", String(32), nullable=False),
)
# Staff marking a serious AE as reported to the sponsor: ends its alert; audited as sae.reported.
sae_reports = Table(
    "sae_reports", metadata,
    Column("record_id", String(36), primary_key=True),
    Column("reported_at", String(40), nullable=False),       # when it was sent, as staff state it (with offset)
    Column("reference", Text, nullable=False),               # the sponsor's or the form's reference
    Column("marked_by", String(100), nullable=False),
    Column("marked_at", String(32), nullable=False),         # UTC, when marked here
)

# The AE list's columns of the current revision of each AE report, kept beside ``records`` by
# ``store_revisions`` (issue 25 point 4): the admin list sorts and filters these plain columns instead of
# reading the JSON of every AE body, and needs no newer-revision look-up.
current_adverse_events = Table(
    "current_adverse_events", metadata,
    Column("record_id", String(36), primary_key=True),
    Column("revision", Integer, nullable=False),
    Column("site_id", String(16), nullable=False),
    Column("participant_id", String(32), nullable=False, index=True),
    Column("received_at", String(32), nullable=False),      # of the current revision
    Column("serious", Boolean, nullable=False),
    Column("grade", Integer),
    Column("onset_date", Text),
    Column("outcome", Text),
    Column("term", Text),
    Column("term_en", Text),
    Index("ix_current_adverse_events_received", "received_at", "record_id"),
    Index("ix_current_adverse_events_grade", "grade", "record_id"),
    # PostgreSQL only: (grade DESC NULLS LAST, record_id DESC), the most severe first (ae_list_grade_desc_pg)
)
