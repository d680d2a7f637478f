-- Subnets, route tables and routes, and VPC tags (issue: the rest of a
-- peering setup). Every VPC has one default (main) route table, made with
-- it and deleted with it; a subnet is associated with one table of its VPC.

-- A VPC's tags, as a JSON array of {"key", "value"}.
ALTER TABLE vpcs ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';

CREATE TABLE route_tables (
    id               INTEGER PRIMARY KEY,
    route_table_id   TEXT    NOT NULL UNIQUE,
    vpc              INTEGER NOT NULL REFERENCES vpcs (id),
    route_table_name TEXT    NOT NULL,
    main             INTEGER NOT NULL DEFAULT 0 CHECK (main IN (0, 1)),
    tags             TEXT    NOT NULL DEFAULT '[]',
    create_time      INTEGER NOT NULL
);
-- One default table per VPC.
CREATE UNIQUE INDEX route_tables_main ON route_tables (vpc) WHERE main = 1;

CREATE TABLE subnets (
    id          INTEGER PRIMARY KEY,
    subnet_id   TEXT    NOT NULL UNIQUE,
    vpc         INTEGER NOT NULL REFERENCES vpcs (id),
    subnet_name TEXT    NOT NULL,
    cidr_block  TEXT    NOT NULL,
    zone        TEXT    NOT NULL,
    route_table INTEGER NOT NULL REFERENCES route_tables (id),
    tags        TEXT    NOT NULL DEFAULT '[]',
    create_time INTEGER NOT NULL
);

-- The row id is the route's RouteId: AUTOINCREMENT so that an id is never
-- handed out twice, even after the newest route is deleted.
CREATE TABLE routes (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    route_item_id TEXT    NOT NULL UNIQUE,
    route_table   INTEGER NOT NULL REFERENCES route_tables (id),
    destination   TEXT    NOT NULL,
    gateway_type  TEXT    NOT NULL,
    gateway_id    TEXT    NOT NULL,
    description   TEXT    NOT NULL DEFAULT '',
    enabled       INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    create_time   INTEGER NOT NULL
);

-- The VPCs made before this migration get their default table now.
INSERT INTO route_tables (route_table_id, vpc, route_table_name, main, create_time)
SELECT 'rtb-' || lower(hex(randomblob(4))), id, 'default', 1, create_time
FROM vpcs WHERE deleted = 0;
