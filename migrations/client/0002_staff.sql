-- Client schema v2: staff accounts synced from the server, for offline sign-in against Argon2id hashes.
CREATE TABLE staff (
    username      TEXT PRIMARY KEY,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    roles         TEXT NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0,
    synced_at     TEXT NOT NULL
);
