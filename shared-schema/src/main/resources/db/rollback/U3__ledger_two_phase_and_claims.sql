-- Undoes V3__ledger_two_phase_and_claims.sql. Run by org.agentplatform.schema.migration.Rollback (README
-- "Migrations"), never by Flyway; in one transaction, together with the removal of V3's row from
-- flyway_schema_history.
--
-- Loses: every claim, vote and claim status history (claims, claim_votes, claim_status_history).
--   Refused (nothing is changed) while transfers holds any two-phase row: a PENDING, VOIDED or EXPIRED transfer,
--   or any row with pending_id or expires_at. Without those columns such rows lose what they reserve or resolve,
--   and V3 could not be applied again (its transfers_pending_shape check is validated against every row). V3's
--   own rollback note says the same: "only safe before any two-phase transfer was written".

-- the table lock first: a reservation written between the check and the column drops would be lost silently
lock table transfers in access exclusive mode;

do $$
declare
    two_phase bigint;
begin
    select count(*) into two_phase from transfers
        where status <> 'POSTED' or pending_id is not null or expires_at is not null;
    if two_phase > 0 then
        raise exception 'undo of V3 refused: transfers holds % two-phase row(s) (status other than POSTED, or pending_id or expires_at set); they cannot be kept without V3', two_phase
            using errcode = 'object_not_in_prerequisite_state';
    end if;
end $$;

-- claim_status_history and claim_votes reference claims, claims references transfers (its stake)
drop table claim_status_history;
drop table claim_votes;
drop table claims;

drop index transfers_expiry_idx;
drop index transfers_pending_resolution_idx;
alter table transfers
    drop constraint transfers_pending_shape,
    drop constraint transfers_status_known,
    -- also drops the foreign key transfers_pending_id_fkey
    drop column expires_at,
    drop column pending_id;
