-- Every Describe and rule check now reads the in-memory model, loaded by
-- one pass over each table in row order. These indexes served the SQL
-- reads; they only cost writes now (five index entries per new peering).
-- peerings_pending_expiry stays: every write batch expires overdue
-- requests with it. Deleting parents (reset, restore) deletes their
-- children first, so foreign keys need no index either.
DROP INDEX peerings_by_vpc;
DROP INDEX peerings_by_peer_vpc;
DROP INDEX peerings_by_uin;
DROP INDEX peerings_by_peer_uin;
DROP INDEX vpcs_by_owner;
