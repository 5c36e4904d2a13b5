-- Client schema v1: records (immutable revisions), local audit, outbox, station settings,
-- participants of this site, allocation list, and server answers the nurse must see.
CREATE TABLE station (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE records (
    record_id      TEXT    NOT NULL,
    revision       INTEGER NOT NULL CHECK (revision >= 1),
    kind           TEXT    NOT NULL,
    participant_id TEXT    NOT NULL,
    visit_id       TEXT,
    instrument_id  TEXT,
    body           TEXT    NOT NULL,
    content_hash   TEXT    NOT NULL,
    saved_at       TEXT    NOT NULL,
    PRIMARY KEY (record_id, revision)
);
CREATE INDEX records_by_participant ON records (participant_id, visit_id);

CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    record_id TEXT,
    revision  INTEGER,
    old       TEXT,
    new       TEXT,
    reason    TEXT
);

CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id  TEXT    NOT NULL,
    revision   INTEGER NOT NULL,
    priority   INTEGER NOT NULL DEFAULT 0,
    state      TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'rejected', 'conflict')),
    queued_at  TEXT    NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    UNIQUE (record_id, revision),
    FOREIGN KEY (record_id, revision) REFERENCES records (record_id, revision)
);
CREATE INDEX outbox_order ON outbox (state, priority DESC, seq);

CREATE TABLE participants (
    participant_id TEXT PRIMARY KEY,
    site_id        TEXT NOT NULL,
    arm            TEXT,
    status         TEXT NOT NULL,
    enrolled_at    TEXT,
    source         TEXT NOT NULL CHECK (source IN ('local', 'server'))
);

CREATE TABLE allocation (
    list_id        TEXT    NOT NULL,
    number         INTEGER NOT NULL,
    arm            TEXT    NOT NULL,
    participant_id TEXT UNIQUE,
    revealed_at    TEXT,
    revealed_by    TEXT,
    PRIMARY KEY (list_id, number)
);
