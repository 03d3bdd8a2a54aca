-- The audit log: every change of the audited tables, once, append-only and hash chained.
-- Written by the audit worker's consumer of audit.changes (org.agentplatform.audit.log.AuditLogWriter),
-- verified by org.agentplatform.audit.log.AuditLogVerifier.
--   hash = sha256(prev_hash || change), change being the canonical JSON text (UTF-8) of the AuditChange:
--   object keys sorted, no whitespace. The first entry's prev_hash is 32 zero bytes.
-- None of these tables is in the CDC publication (only the audited tables, the outbox and cdc_heartbeat are).
-- Rollback: drop table audit_log, audit_chain_head, cdc_heartbeat; drop function audit_log_refuse_change()
-- (this throws the audit trail away: export it first).

create table audit_log (
    seq          bigint      primary key,
    change_id    uuid        not null unique,
    schema_name  text        not null,
    table_name   text        not null,
    operation    text        not null check (operation in ('INSERT', 'UPDATE', 'DELETE', 'SNAPSHOT', 'GAP')),
    -- the primary key columns as a JSON object, e.g. {"id": "…"}: what the verifier joins the live rows on
    primary_key  jsonb       not null,
    -- the canonical change JSON, exactly the bytes that were hashed (text, not jsonb: jsonb would reformat it)
    change       text        not null,
    commit_time  timestamptz not null,
    recorded_at  timestamptz not null,
    prev_hash    bytea       not null check (length(prev_hash) = 32),
    hash         bytea       not null check (length(hash) = 32)
);
create index audit_log_row_idx on audit_log (schema_name, table_name, primary_key, seq);

-- The chain head: one row, locked (select … for update) by each appending transaction, so appends from
-- several consumers are serialised and every entry links to the one before it.
create table audit_chain_head (
    id    boolean primary key default true check (id),
    seq   bigint  not null,
    hash  bytea   not null check (length(hash) = 32)
);
insert into audit_chain_head (id, seq, hash) values (true, 0, decode(repeat('00', 32), 'hex'));

-- Append-only: the database refuses updates, deletes and truncation, whoever asks. A superuser can still
-- disable the trigger, which is why the chain exists: the verifier detects what the trigger did not stop.
create function audit_log_refuse_change() returns trigger language plpgsql as $$
begin
    raise exception 'audit_log is append-only: % refused', tg_op using errcode = 'insufficient_privilege';
end;
$$;
create trigger audit_log_append_only before update or delete on audit_log
    for each row execute function audit_log_refuse_change();
create trigger audit_log_no_truncate before truncate on audit_log
    for each statement execute function audit_log_refuse_change();
revoke update, delete, truncate on audit_log from public;

-- Written by the CDC engine's heartbeat action query. It is in the publication on purpose: pgoutput skips
-- transactions without published changes, so only a captured write lets the connector confirm a newer LSN
-- and the slot release WAL while the audited tables are idle. The router drops its changes.
create table cdc_heartbeat (
    id       int         primary key,
    beat_at  timestamptz not null
);
