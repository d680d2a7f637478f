-- Named snapshots of the whole state. Each snapshot's rows live in tables
-- named snapshot_<id>_<table>, created when it is saved.
CREATE TABLE snapshots (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE,
    create_time INTEGER NOT NULL,
    accounts    INTEGER NOT NULL,
    vpcs        INTEGER NOT NULL,
    peerings    INTEGER NOT NULL
);

CREATE INDEX events_by_time ON events (time, id);
