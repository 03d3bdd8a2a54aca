-- Ingest's own state: agents' API keys and the idempotency records of HTTP requests.
--
-- Rollback: both tables are owned by ingest-service alone and nothing references them, so
--   drop table idempotency_keys; drop table api_keys;
-- undoes this migration (every agent then needs a new key; in-flight retries lose their replay).

-- An API key is shown once and stored only as the SHA-256 of the whole token: the secret has 256 random
-- bits, so a slow password hash would add cost without adding safety. agent_id has no foreign key on
-- purpose: ingest creates the key together with the RegisterAgent command, while the agents row is
-- created later, asynchronously, by the ledger worker.
create table api_keys (
    id          uuid primary key,
    agent_id    uuid        not null,
    prefix      text        not null unique check (prefix ~ '^ak_[a-z0-9]{8}$'),
    token_hash  bytea       not null check (length(token_hash) = 32),
    created_at  timestamptz not null,
    revoked_at  timestamptz
);
create index api_keys_agent_idx on api_keys (agent_id);

-- One row per (caller, Idempotency-Key): written before the command is published, completed with the
-- answer once the broker acknowledged it. caller is 'admin' or the agent id. fingerprint is the SHA-256
-- of method, path and canonical body: the same key with another request is a 409, not a new command.
-- response_* stay null while the first attempt is in flight or after it failed (503): a retry then
-- publishes the same command id again, which the workers apply once.
create table idempotency_keys (
    caller            text        not null,
    idempotency_key   text        not null check (length(idempotency_key) between 1 and 255),
    command_id        uuid        not null,
    fingerprint       text        not null,
    response_status   int,
    response_location text,
    response_body     text,
    created_at        timestamptz not null,
    completed_at      timestamptz,
    primary key (caller, idempotency_key)
);
create index idempotency_keys_created_idx on idempotency_keys (created_at);
