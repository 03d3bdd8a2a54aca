-- Ledger core: agents, karma accounts and transfers, plus the bookkeeping every worker needs
-- (inbox of applied commands, consumer positions, transactional outbox).
-- Rollback story: migrations are forward-only; see README "Migrations". Each V<n> has a documented
-- compensating script under db/rollback (not run by Flyway) for emergencies.

create table agents (
    id          uuid primary key,
    name        text        not null check (length(name) between 1 and 200),
    status      text        not null check (status in ('ACTIVE', 'SUSPENDED')),
    metadata    jsonb       not null default '{}'::jsonb,
    created_at  timestamptz not null,
    updated_at  timestamptz not null
);

-- Balances in integer units. Only flagged (system) accounts may go negative; the check constraint is
-- the last line of defence behind the worker's own rule, counting pending reservations.
create table accounts (
    id               uuid primary key,
    agent_id         uuid unique references agents (id),
    code             text unique,
    may_go_negative  boolean     not null default false,
    balance          bigint      not null default 0,
    pending_debits   bigint      not null default 0 check (pending_debits >= 0),
    pending_credits  bigint      not null default 0 check (pending_credits >= 0),
    created_at       timestamptz not null,
    updated_at       timestamptz not null,
    constraint accounts_owner check ((agent_id is null) <> (code is null)),
    constraint accounts_not_overdrawn check (may_go_negative or balance - pending_debits >= 0)
);

-- The treasury: the one system account that grants karma and may go negative.
insert into accounts (id, code, may_go_negative, created_at, updated_at)
values ('00000000-0000-0000-0000-000000000001', 'treasury', true, now(), now());

-- Transfers are immutable facts; a mistake is corrected by a new transfer. The id is the
-- idempotency key (the command id that created it).
create table transfers (
    id                     uuid primary key,
    debit_account_id       uuid        not null references accounts (id),
    credit_account_id      uuid        not null references accounts (id),
    amount                 bigint      not null check (amount > 0),
    kind                   text        not null,
    status                 text        not null,
    debit_balance_before   bigint      not null,
    debit_balance_after    bigint      not null,
    credit_balance_before  bigint      not null,
    credit_balance_after   bigint      not null,
    created_at             timestamptz not null,
    constraint transfers_distinct_accounts check (debit_account_id <> credit_account_id)
);
create index transfers_debit_idx on transfers (debit_account_id, created_at);
create index transfers_credit_idx on transfers (credit_account_id, created_at);

-- The inbox: one row per command id ever handled, with its outcome. Written in the same
-- transaction as the effect, so a redelivered command is recognised and not applied again.
create table processed_commands (
    command_id    uuid primary key,
    command_type  text        not null,
    fingerprint   text        not null,
    outcome       text        not null check (outcome in ('APPLIED', 'REJECTED')),
    reason        text,
    detail        text,
    topic         text        not null,
    partition     int         not null,
    kafka_offset  bigint      not null,
    processed_at  timestamptz not null
);

-- Consumer positions, committed with the effect and used on partition assignment.
create table consumer_offsets (
    group_id     text        not null,
    topic        text        not null,
    partition    int         not null,
    next_offset  bigint      not null,
    updated_at   timestamptz not null,
    primary key (group_id, topic, partition)
);

-- Transactional outbox: rows are read from the WAL by the audit worker (Debezium outbox router).
-- Workers may delete a row in the same transaction that inserted it; the WAL keeps the insert.
create table outbox (
    id              uuid primary key,
    aggregate_type  text        not null,
    aggregate_id    text        not null,
    event_type      text        not null,
    payload         jsonb       not null,
    created_at      timestamptz not null
);
