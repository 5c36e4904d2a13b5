-- Client schema v6 (issue 15): the screening numbers the server granted this station. A participant id is
-- the site prefix and one of them, given at screening (after consent), whatever the screening's outcome.
CREATE TABLE screening_numbers (
    number         INTEGER PRIMARY KEY,
    participant_id TEXT UNIQUE,
    used_at        TEXT
);
