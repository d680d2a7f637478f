-- The core schema: accounts, quotas, VPCs, peerings and the event log.
-- Times are Unix seconds (UTC) on the simulator's clock.

CREATE TABLE accounts (
    uin         TEXT    PRIMARY KEY NOT NULL,
    name        TEXT    NOT NULL,
    app_id      INTEGER NOT NULL UNIQUE,
    secret_id   TEXT    NOT NULL UNIQUE,
    secret_key  TEXT    NOT NULL,
    create_time INTEGER NOT NULL
);

-- Only quotas set away from their defaults have a row.
CREATE TABLE quotas (
    uin         TEXT    NOT NULL REFERENCES accounts (uin),
    region      TEXT    NOT NULL,
    quota_name  TEXT    NOT NULL,
    quota_limit INTEGER NOT NULL,
    PRIMARY KEY (uin, region, quota_name)
);

-- Deleted VPCs keep their row (deleted = 1) so that peerings which named
-- them still print their ids.
CREATE TABLE vpcs (
    id                    INTEGER PRIMARY KEY,
    vpc_id                TEXT    NOT NULL UNIQUE,
    un_vpc_id             TEXT    NOT NULL UNIQUE,
    uin                   TEXT    NOT NULL REFERENCES accounts (uin),
    region                TEXT    NOT NULL,
    vpc_name              TEXT    NOT NULL,
    cidr_block            TEXT    NOT NULL,
    -- Comma-separated, in the order they were added.
    assistant_cidr_blocks TEXT    NOT NULL DEFAULT '',
    create_time           INTEGER NOT NULL,
    deleted               INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX vpcs_by_owner ON vpcs (uin, region, deleted, id);

-- Next legacy VPC number per region (gz_vpc_<n>).
CREATE TABLE legacy_vpc_numbers (
    region TEXT    PRIMARY KEY NOT NULL,
    next   INTEGER NOT NULL
);

CREATE TABLE peerings (
    id                      INTEGER PRIMARY KEY,
    peering_connection_id   TEXT    NOT NULL UNIQUE,
    peering_connection_name TEXT    NOT NULL,
    vpc                     INTEGER NOT NULL REFERENCES vpcs (id),
    peer_vpc                INTEGER NOT NULL REFERENCES vpcs (id),
    uin                     TEXT    NOT NULL REFERENCES accounts (uin),
    peer_uin                TEXT    NOT NULL REFERENCES accounts (uin),
    region                  TEXT    NOT NULL,
    -- 1 PENDING, 2 ACTIVE, 3 EXPIRED, 4 REJECTED, 5 DELETED, as stored; a
    -- PENDING row past expire_time reads as EXPIRED.
    state                   INTEGER NOT NULL,
    create_time             INTEGER NOT NULL,
    expire_time             INTEGER
);
CREATE INDEX peerings_by_vpc ON peerings (vpc, state);
CREATE INDEX peerings_by_peer_vpc ON peerings (peer_vpc, state);
CREATE INDEX peerings_by_uin ON peerings (uin, region, create_time, id);
CREATE INDEX peerings_by_peer_uin ON peerings (peer_uin, region, create_time, id);
CREATE INDEX peerings_pending_expiry ON peerings (expire_time) WHERE state = 1;

-- Every state change, in order.
CREATE TABLE events (
    id            INTEGER PRIMARY KEY,
    time          INTEGER NOT NULL,
    actor         TEXT    NOT NULL,
    request_id    TEXT    NOT NULL,
    resource_type TEXT    NOT NULL,
    resource_id   TEXT    NOT NULL,
    kind          TEXT    NOT NULL,
    old_state     TEXT,
    new_state     TEXT
);
CREATE INDEX events_by_resource ON events (resource_id, id);

-- Settings that persist with the data, such as the clock offset.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);
