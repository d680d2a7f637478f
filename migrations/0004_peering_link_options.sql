-- A peering's link options, as Tencent Cloud API 3.0 sets them: bandwidth
-- cap in Mbps (0: none set), billing mode, link type, service level, and
-- tags as a JSON array of {"key", "value"}. Kept and returned; no rule reads
-- them. Rows from before this migration get the defaults of a create that
-- names none.
ALTER TABLE peerings ADD COLUMN bandwidth   INTEGER NOT NULL DEFAULT 0;
ALTER TABLE peerings ADD COLUMN charge_type TEXT    NOT NULL DEFAULT 'POSTPAID_BY_DAY_MAX';
ALTER TABLE peerings ADD COLUMN link_type   TEXT    NOT NULL DEFAULT 'VPC_PEER';
ALTER TABLE peerings ADD COLUMN qos_level   TEXT    NOT NULL DEFAULT 'AU';
ALTER TABLE peerings ADD COLUMN tags        TEXT    NOT NULL DEFAULT '[]';
