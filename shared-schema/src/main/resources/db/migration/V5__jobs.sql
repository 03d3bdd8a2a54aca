-- Compute jobs: the queue with fenced leases, one row per attempt, and an append-only history.
-- Every change to a job is made under its row lock (command batches lock by id; lease requests and the
-- rescuer take rows with skip locked), so a job changes in one transaction at a time.

create table jobs (
    id                uuid primary key,
    submitter_id      uuid        not null,
    status            text        not null check (status in ('AWAITING_ESCROW', 'QUEUED', 'LEASED', 'SUCCEEDED', 'FAILED',
                                                             'DEAD', 'CANCELLED', 'REJECTED')),
    priority          int         not null,
    attempts          int         not null default 0 check (attempts >= 0),
    max_attempts      int         not null check (max_attempts >= 1),
    lease_timeout_ms  bigint      not null check (lease_timeout_ms > 0),
    run_at            timestamptz not null,
    lease_expires_at  timestamptz,
    -- increases with every lease; a command carrying an older one is rejected STALE_LEASE
    fencing_token     bigint      not null default 0,
    lessee            uuid,
    spec              jsonb       not null,
    result            jsonb,
    last_error        text,
    price             bigint      check (price is null or price > 0),
    escrow_status     text        not null default 'NONE',
    -- the ledger's pending transfer holding the price (the id of the reserving command)
    escrow_pending_id uuid,
    -- the executor whose completion is paid
    payee             uuid,
    created_at        timestamptz not null,
    updated_at        timestamptz not null,
    constraint jobs_attempts_bounded check (attempts <= max_attempts),
    constraint jobs_lease_consistent check ((status = 'LEASED') = (lessee is not null and lease_expires_at is not null))
);
-- what lease requests read: the best runnable job first
create index jobs_runnable_idx on jobs (priority desc, run_at, id) where status = 'QUEUED';
-- what the rescuer reads
create index jobs_lease_expiry_idx on jobs (lease_expires_at) where status = 'LEASED';

-- One row per lease; the fencing token identifies it. Closed once, with how it ended.
create table job_attempts (
    job_id         uuid        not null references jobs (id),
    fencing_token  bigint      not null,
    attempt        int         not null,
    executor_id    uuid        not null,
    leased_at      timestamptz not null,
    ended_at       timestamptz,
    outcome        text        check (outcome in ('SUCCEEDED', 'FAILED', 'EXPIRED', 'CANCELLED')),
    error          text,
    primary key (job_id, fencing_token)
);

-- Every transition, and every command refused for a stale lease, in order.
create table job_history (
    id             bigserial   primary key,
    job_id         uuid        not null,
    kind           text        not null,
    status         text        not null,
    attempt        int         not null,
    fencing_token  bigint      not null,
    executor_id    uuid,
    command_id     uuid,
    run_at         timestamptz,
    detail         text,
    at             timestamptz not null
);
create index job_history_job_idx on job_history (job_id, id);

-- Escrow: the ledger account that holds job prices between reservation and payment or refund.
insert into accounts (id, code, may_go_negative, created_at, updated_at)
values ('00000000-0000-0000-0000-00000000e5c0', 'job-escrow', false, now(), now());

-- The job worker's outbox of ledger commands (the escrow saga): written in the transaction of the job
-- transition that needs them, published by a relay (at least once: ids are deterministic per job and step,
-- so the ledger's inbox applies each once), and resolved when the ledger's outcome for that id is recorded.
create table job_saga_commands (
    id           uuid        primary key,
    job_id       uuid        not null references jobs (id),
    step         text        not null check (step in ('RESERVE', 'POST', 'PAY', 'REFUND')),
    topic_key    text        not null,
    envelope     jsonb       not null,
    created_at   timestamptz not null,
    sent_at      timestamptz,
    resolved_at  timestamptz,
    outcome      text,
    reason       text,
    unique (job_id, step)
);
create index job_saga_unsent_idx on job_saga_commands (created_at) where sent_at is null;
create index job_saga_unresolved_idx on job_saga_commands (id) where resolved_at is null;
