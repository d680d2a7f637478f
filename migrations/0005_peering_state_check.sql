-- Peering states are PeeringState's numbers (1 PENDING, 2 ACTIVE,
-- 3 EXPIRED, 4 REJECTED, 5 DELETED; src/store/states.rs spells them in
-- SQL): the column now refuses anything else. SQLite adds a CHECK only by
-- rebuilding the table, so the rows move to a new one, and the indexes
-- follow.
CREATE TABLE peerings_checked (
    id                      INTEGER PRIMARY KEY,
    peering_connection_id   TEXT    NOT NULL UNIQUE,
    peering_connection_name TEXT    NOT NULL,
    vpc                     INTEGER NOT NULL REFERENCES vpcs (id),
    peer_vpc                INTEGER NOT NULL REFERENCES vpcs (id),
    uin                     TEXT    NOT NULL REFERENCES accounts (uin),
    peer_uin                TEXT    NOT NULL REFERENCES accounts (uin),
    region                  TEXT    NOT NULL,
    state                   INTEGER NOT NULL CHECK (state IN (1, 2, 3, 4, 5)),
    create_time             INTEGER NOT NULL,
    expire_time             INTEGER,
    bandwidth               INTEGER NOT NULL DEFAULT 0,
    charge_type             TEXT    NOT NULL DEFAULT 'POSTPAID_BY_DAY_MAX',
    link_type               TEXT    NOT NULL DEFAULT 'VPC_PEER',
    qos_level               TEXT    NOT NULL DEFAULT 'AU',
    tags                    TEXT    NOT NULL DEFAULT '[]'
);
INSERT INTO peerings_checked
    SELECT id, peering_connection_id, peering_connection_name, vpc, peer_vpc, uin, peer_uin,
           region, state, create_time, expire_time, bandwidth, charge_type, link_type, qos_level, tags
    FROM peerings;
DROP TABLE peerings;
ALTER TABLE peerings_checked RENAME TO peerings;
CREATE INDEX peerings_by_vpc ON peerings (vpc, state);
CREATE INDEX peerings_by_peer_vpc ON peerings (peer_vpc, state);
CREATE INDEX peerings_by_uin ON peerings (uin, region, create_time, id);
CREATE INDEX peerings_by_peer_uin ON peerings (peer_uin, region, create_time, id);
CREATE INDEX peerings_pending_expiry ON peerings (expire_time) WHERE state = 1;
