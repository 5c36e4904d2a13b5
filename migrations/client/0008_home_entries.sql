-- Client schema v8 (issue 24): what the server says of the participants' home diaries (their phones), so the clinic
-- recall asks only about dates without a home entry and the nurse sees missed diary days. One row per home entry
-- (its newest revision the server sent: participant, diary, the date it is about), and one per app device of the
-- site (activated, revoked). Summaries only: never records, never sent back.
CREATE TABLE home_entries (
    record_id      TEXT PRIMARY KEY,
    revision       INTEGER NOT NULL,
    participant_id TEXT NOT NULL,
    instrument_id  TEXT NOT NULL,
    diary_date     TEXT NOT NULL,
    received_at    TEXT NOT NULL
);
CREATE INDEX home_entries_participant ON home_entries (participant_id, instrument_id, diary_date);
CREATE TABLE home_diaries (
    participant_id TEXT NOT NULL,
    activated_at   TEXT NOT NULL,
    revoked_at     TEXT,
    PRIMARY KEY (participant_id, activated_at)
);
