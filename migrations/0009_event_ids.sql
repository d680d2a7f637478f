-- Event ids never go back, even after Reset empties the log: a stream that
-- follows the log by id (WatchEvents, the console's) would otherwise wait,
-- after a Reset, for ids it has already passed. AUTOINCREMENT keeps the
-- highest id ever handed out in sqlite_sequence.
CREATE TABLE events_new (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    time          INTEGER NOT NULL,
    actor         TEXT    NOT NULL,
    request_id    TEXT    NOT NULL,
    resource_type TEXT    NOT NULL,
    resource_id   TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    old_state     TEXT,
    new_state     TEXT
);
INSERT INTO events_new (id, time, actor, request_id, resource_type, resource_id, kind, old_state, new_state)
    SELECT id, time, actor, request_id, resource_type, resource_id, kind, old_state, new_state FROM events;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
CREATE INDEX events_by_resource ON events (resource_id, id);
CREATE INDEX events_by_time ON events (time, id);
