-- Dead letters become first-class. A command that is dead-lettered is recorded DEAD_LETTERED in the inbox, with
-- its reason (COMMAND_FAILED: it failed alone in the worker; MALFORMED_COMMAND: unreadable, but its id could be
-- read), so GET /commands/{id} says what became of it. DEAD_LETTERED is not final: the next delivery of the same
-- command id (a replay from the dead-letter topic once the cause is fixed) is handled as new and replaces the row.
--
-- Every replay an operator asks for is a row of dead_letter_replays: who, when, which filter, how many records
-- and how it ended. The table is audited (the audit worker's audited tables), so each request and each change
-- of its status lands in the hash-chained audit log.
--
-- Deploy order: ingest and the job worker of this release first (they read DEAD_LETTERED as "not decided"; the
-- release before cannot read it), then the ledger worker. Cheap on a large inbox: the widened check is NOT VALID
-- (new rows only; every old row satisfies it) and the table is new.
--
-- Rollback: db/rollback/U11__dead_letters.sql (DEAD_LETTERED rows become REJECTED; the replay records are lost).

alter table processed_commands drop constraint processed_commands_outcome_check;
alter table processed_commands add constraint processed_commands_outcome_check
    check (outcome in ('APPLIED', 'REJECTED', 'DEFERRED', 'DEAD_LETTERED')) not valid;

create table dead_letter_replays (
    id              uuid        primary key,
    requested_by    text        not null check (length(requested_by) between 1 and 200),
    requested_at    timestamptz not null,
    -- the dead-letter topic it reads and the filter, as asked: {"from", "to", "reason", "partition", "offset"}
    topic           text        not null check (length(topic) between 1 and 249),
    filter          jsonb       not null,
    -- a record replayed this many times before is quarantined instead
    max_replays     int         not null check (max_replays between 1 and 100),
    status          text        not null check (status in ('REQUESTED', 'RUNNING', 'DONE', 'FAILED')),
    -- the end offset of each partition of the topic when the request was made: the replay stops there, so the
    -- records it dead-letters again are not replayed by the same request
    end_offsets     jsonb       not null,
    replayed        bigint      not null default 0 check (replayed >= 0),
    quarantined     bigint      not null default 0 check (quarantined >= 0),
    skipped         bigint      not null default 0 check (skipped >= 0),
    runner          text,
    heartbeat_at    timestamptz,
    finished_at     timestamptz,
    error           text        check (length(error) <= 2000)
);
create index dead_letter_replays_open_idx on dead_letter_replays (requested_at) where status in ('REQUESTED', 'RUNNING');
