-- Client schema v7 (issue 22): the site's state the server sends down, so the nurse overview is right on a kiosk
-- that never saw those records: one row per record of the site (its newest revision the server sent) with what
-- the nurse needs (visit done and its date, scores; an AE's term, grade, onset, outcome, seriousness).
CREATE TABLE site_state (
    record_id      TEXT PRIMARY KEY,
    revision       INTEGER NOT NULL,
    kind           TEXT NOT NULL,
    participant_id TEXT NOT NULL,
    visit_id       TEXT,
    instrument_id  TEXT,
    collected_at   TEXT NOT NULL,
    summary        TEXT NOT NULL,
    received_at    TEXT NOT NULL
);
CREATE INDEX site_state_participant ON site_state (participant_id, kind);
