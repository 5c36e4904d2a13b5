-- Client schema v4: lab results the server sends downstream (every revision; nurse mode shows the newest).
CREATE TABLE lab_results (
    result_id      TEXT NOT NULL,
    revision       INTEGER NOT NULL,
    participant_id TEXT NOT NULL,
    visit_id       TEXT NOT NULL,
    test_code      TEXT NOT NULL,
    sample_date    TEXT NOT NULL,
    value          REAL NOT NULL,
    unit           TEXT NOT NULL,
    sex            TEXT,
    reason         TEXT,
    received_at    TEXT NOT NULL,
    PRIMARY KEY (result_id, revision)
);
CREATE INDEX ix_lab_results_participant ON lab_results (participant_id);
