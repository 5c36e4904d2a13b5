-- Client schema v5: the site's unresolved data queries as the server sent them at the last sync (issue 19).
-- Replaced as a whole at every sync; answers are query_response records in records/outbox like any other.
CREATE TABLE queries (
    query_id       TEXT PRIMARY KEY,
    participant_id TEXT NOT NULL,
    body           TEXT NOT NULL,
    received_at    TEXT NOT NULL
);
CREATE INDEX queries_participant ON queries (participant_id);
