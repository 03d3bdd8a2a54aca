-- Posts and voids that arrive before their reservation wait for it (parked) instead of being refused: the
-- reservation is keyed by the debited account, the post or void by the pending id, so they travel on different
-- partitions and the post may be applied first.
--
-- A parked command's inbox row says DEFERRED (reason AWAITING_RESERVATION) until the ledger decides it: in the
-- transaction that creates the reservation, or by the sweeper once the reservation exists or the deadline passed.
-- The row stays the dedupe key throughout, so a redelivery is still applied at most once.
--
-- Deploy ingest and job-worker of the same release first (they read DEFERRED as "not decided yet"), then the
-- ledger worker. Cheap on a large inbox: the new check is NOT VALID (new rows only, no scan; every old row
-- satisfies it anyway) and the table is new.
--
-- Rollback (with the ledger workers stopped; a parked command then ends rejected without its CommandRejected event):
--   update processed_commands set outcome = 'REJECTED', reason = 'PENDING_NOT_FOUND' where outcome = 'DEFERRED';
--   drop table parked_resolutions;
--   alter table processed_commands drop constraint processed_commands_outcome_check;
--   alter table processed_commands add constraint processed_commands_outcome_check
--       check (outcome in ('APPLIED', 'REJECTED')) not valid;

alter table processed_commands drop constraint processed_commands_outcome_check;
alter table processed_commands add constraint processed_commands_outcome_check
    check (outcome in ('APPLIED', 'REJECTED', 'DEFERRED')) not valid;

-- One row per parked post or void, deleted in the transaction that writes its final outcome. It holds what the
-- ledger needs to apply it later as if it had just arrived: the issuer (checked against the reservation's
-- controller then) and the envelope fields its events are caused by.
create table parked_resolutions (
    command_id      uuid        primary key,
    -- arrival order (created_at ties within a batch): the first resolution parked for a reservation wins
    seq             bigint      generated always as identity,
    pending_id      uuid        not null,
    kind            text        not null check (kind in ('POST', 'VOID')),
    actor           text        not null check (length(actor) between 1 and 200),
    schema_version  int         not null,
    occurred_at     timestamptz not null,
    correlation_id  uuid        not null,
    causation_id    uuid,
    deadline        timestamptz not null,
    created_at      timestamptz not null
);
-- the reservation's transaction looks its pending id up
create index parked_resolutions_pending_idx on parked_resolutions (pending_id, seq);
create index parked_resolutions_deadline_idx on parked_resolutions (deadline);
