-- Debezium source offsets of the audit worker's CDC engine (its position in the WAL), so that a
-- restarted or failed-over audit worker resumes where the last one stopped instead of snapshotting
-- again. Written by org.agentplatform.audit.PostgresOffsetBackingStore; one row per source partition.
-- The replication slot's confirmed position never passes what is stored here: Debezium confirms an
-- LSN to PostgreSQL only after the offset holding it was saved.
-- Rollback: drop table cdc_offsets (the next start then snapshots the audited tables again).

create table cdc_offsets (
    -- Kafka Connect's offset key as JSON text, e.g. ["audit-worker",{"server":"audit"}]; compared
    -- byte for byte, so it is stored exactly as written
    offset_key    text        primary key,
    -- the offset as JSON text, e.g. {"lsn":…,"txId":…,"lsn_commit":…,"ts_usec":…}
    offset_value  text        not null,
    updated_at    timestamptz not null
);
