-- Undoes V6__api_keys_and_idempotency.sql. Run by org.agentplatform.schema.migration.Rollback (README
-- "Migrations"), never by Flyway; in one transaction, together with the removal of V6's row from
-- flyway_schema_history.
--
-- Loses: every API key (api_keys: each agent then needs a new key) and every idempotency record
--   (idempotency_keys: a client's retry in flight is then published as a new request, not answered with the
--   first answer). As V6's own rollback note says.

drop table idempotency_keys;
drop table api_keys;
