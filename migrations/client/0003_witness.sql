-- Client schema v3: the newest signed audit chain head the server gave this kiosk (its witness of the chain).
CREATE TABLE witness (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    head_seq    INTEGER NOT NULL,
    head_hash   TEXT NOT NULL,
    signed_at   TEXT NOT NULL,
    signature   TEXT NOT NULL,
    public_key  TEXT NOT NULL,
    received_at TEXT NOT NULL
);
