-- Fault rules (AdminService AddFault, scenario `faults:`). Part of the state:
-- Reset empties it, snapshots save and restore it. Rules are tried in the
-- order they were added: `position`.
CREATE TABLE faults (
    position    INTEGER PRIMARY KEY,
    fault_id    TEXT    NOT NULL UNIQUE,
    -- A canonical action name, or '*' for any.
    action      TEXT    NOT NULL,
    -- NULL: any caller, any region.
    uin         TEXT,
    region      TEXT,
    kind        TEXT    NOT NULL
        CHECK (kind IN ('FAIL_BEFORE', 'FAIL_AFTER_COMMIT', 'DELAY_BEFORE', 'DELAY_AFTER')),
    error_code  TEXT,
    message     TEXT,
    delay_ms    INTEGER NOT NULL DEFAULT 0,
    -- How many more matching calls it fires on; NULL: no limit.
    times       INTEGER,
    probability REAL,
    seed        INTEGER NOT NULL DEFAULT 0,
    -- Matching calls drawn for, and acted on.
    matched     INTEGER NOT NULL DEFAULT 0,
    fired       INTEGER NOT NULL DEFAULT 0,
    create_time INTEGER NOT NULL
);
