-- Two-phase transfers. Transfer rows stay immutable facts: a PENDING row reserves funds; posting, voiding or
-- expiring it appends a new row (POSTED, VOIDED, EXPIRED) whose pending_id names the PENDING row. The unique
-- index makes "a pending transfer is resolved at most once" a database guarantee, not just a worker rule.
-- Balances: an account's balance is the sum of its POSTED rows; its pending_debits/pending_credits are the
-- sums of its PENDING rows that have no resolution row yet.
-- Rollback: drop index transfers_pending_resolution_idx, transfers_expiry_idx; alter table transfers
-- drop constraint transfers_status_known, drop constraint transfers_pending_shape, drop column pending_id,
-- drop column expires_at (only safe before any two-phase transfer was written).

alter table transfers
    add column pending_id  uuid references transfers (id),
    add column expires_at  timestamptz,
    add constraint transfers_status_known check (status in ('PENDING', 'POSTED', 'VOIDED', 'EXPIRED')),
    add constraint transfers_pending_shape check (
        (status = 'PENDING' and expires_at is not null and pending_id is null)
        or (status in ('VOIDED', 'EXPIRED') and pending_id is not null)
        or status = 'POSTED');

create unique index transfers_pending_resolution_idx on transfers (pending_id) where pending_id is not null;

-- The sweeper's scan: reservations by expiry (resolved ones are filtered by the resolution index).
create index transfers_expiry_idx on transfers (expires_at) where status = 'PENDING';

-- Claims. The stake is a PENDING transfer (claimant -> treasury, kind STAKE) referenced by the claim; the
-- quorum is copied from the configuration at submission, so a later change does not move open claims.
-- Rollback: drop table claim_status_history, claim_votes, claims.
create table claims (
    id                uuid primary key,
    claimant_id       uuid        not null references agents (id),
    subject           text        not null check (length(subject) between 1 and 500),
    statement         text        not null,
    evidence          jsonb       not null default '{}'::jsonb,
    stake             bigint      not null check (stake >= 0),
    stake_pending_id  uuid        references transfers (id),
    quorum            int         not null check (quorum > 0),
    status            text        not null check (status in ('OPEN', 'VERIFIED', 'REJECTED')),
    verifications     int         not null default 0,
    disputes          int         not null default 0,
    created_at        timestamptz not null,
    updated_at        timestamptz not null,
    constraint claims_stake_held check ((stake = 0) = (stake_pending_id is null))
);
create index claims_claimant_idx on claims (claimant_id);

-- One vote per agent and claim, enforced by the primary key as well as by the worker.
create table claim_votes (
    claim_id    uuid        not null references claims (id),
    voter_id    uuid        not null references agents (id),
    verified    boolean     not null,
    command_id  uuid        not null,
    voted_at    timestamptz not null,
    primary key (claim_id, voter_id)
);

-- Status history: each status is entered once (OPEN, then VERIFIED or REJECTED), with the command that did it.
create table claim_status_history (
    claim_id    uuid        not null references claims (id),
    status      text        not null check (status in ('OPEN', 'VERIFIED', 'REJECTED')),
    command_id  uuid        not null,
    changed_at  timestamptz not null,
    primary key (claim_id, status)
);
