-- Undoes V14__reputation_roll_up.sql. Run by org.agentplatform.schema.migration.Rollback (README "Migrations"),
-- never by Flyway; in one transaction, together with the removal of V14's row from flyway_schema_history.
-- First run the release before (README "Migrations"): its ledger workers do not roll up, so what the triggers queue
-- meanwhile waits here. Under the roll-up's lock (taken first, as the roll-up and the rebuild take it; a pass in
-- progress ends first), the backlog is rolled up while the workers keep writing; then the queue is locked, so that
-- no worker adds to it, the little they added meanwhile is rolled up, and V13's triggers, which derive in the
-- workers' transactions, are put back. A worker transaction that waited for the queue's lock fails once, when the
-- queue is gone, and its worker retries it with V13's triggers.
-- Loses: nothing (every queued source is rolled up).

select pg_advisory_xact_lock(hashtextextended('reputation_roll_up', 0));
select * from reputation_roll_up(2147483647);
lock table reputation_due in exclusive mode;
select * from reputation_roll_up(2147483647);

create function reputation_record(claim_ids uuid[], job_ids uuid[], transfer_ids uuid[]) returns void
    language plpgsql volatile
as $$
begin
    -- plpgsql, not sql: its statement is prepared once per session, where a sql function's is planned at every call
    with derived as (
        select * from reputation_claim_inputs(claim_ids) where cardinality(claim_ids) > 0
        union all
        select * from reputation_job_inputs(job_ids) where cardinality(job_ids) > 0
        union all
        select * from reputation_earned_inputs(transfer_ids) where cardinality(transfer_ids) > 0
    ), added as (
        insert into reputation_inputs (id, agent_id, kind, points, at, weight, detail, karma)
        select d.id, d.agent_id, d.kind, d.points, d.at, reputation_weight(d.points, d.at), d.detail, d.karma
        from derived d
        on conflict (id) do nothing
        returning agent_id, weight, at, karma
    )
    insert into reputations as r (agent_id, weighted, inputs, last_input_at, karma_earned)
    select a.agent_id, sum(a.weight), count(*), max(a.at), sum(a.karma) from added a
    where a.weight <> 0 or a.karma <> 0
    group by a.agent_id order by a.agent_id
    on conflict (agent_id) do update set weighted = r.weighted + excluded.weighted, inputs = r.inputs + excluded.inputs,
                                         last_input_at = greatest(r.last_input_at, excluded.last_input_at),
                                         karma_earned = r.karma_earned + excluded.karma_earned;
end $$;

create or replace function reputation_on_claim_settled() returns trigger language plpgsql as $$
begin
    perform reputation_record(array[new.claim_id], '{}', '{}');
    return null;
end $$;

create or replace function reputation_on_job_ended() returns trigger language plpgsql as $$
begin
    perform reputation_record('{}', array[new.job_id], '{}');
    return null;
end $$;

create or replace function reputation_on_job_status() returns trigger language plpgsql as $$
begin
    perform reputation_record('{}', array[new.id], '{}');
    return null;
end $$;

create or replace function reputation_on_payout() returns trigger language plpgsql as $$
begin
    perform reputation_record('{}', '{}', array[new.id]);
    return null;
end $$;

create or replace function reputation_rebuild() returns table (agents bigint, inputs bigint)
    language plpgsql volatile
as $$
begin
    lock table reputation_inputs, reputations in exclusive mode;
    delete from reputation_inputs;
    delete from reputations;
    insert into reputation_inputs (id, agent_id, kind, points, at, weight, detail, karma)
    select d.id, d.agent_id, d.kind, d.points, d.at, reputation_weight(d.points, d.at), d.detail, d.karma
    from (select * from reputation_claim_inputs(array(select c.id from claims c))
          union all select * from reputation_job_inputs(array(select j.id from jobs j))
          union all select * from reputation_earned_inputs(array(select t.id from transfers t
                                                                 where t.debit_account_id = '00000000-0000-0000-0000-00000000e5c0'))) d;
    insert into reputations (agent_id, weighted, inputs, last_input_at, karma_earned)
    select i.agent_id, sum(i.weight), count(*), max(i.at), sum(i.karma) from reputation_inputs i
    where i.weight <> 0 or i.karma <> 0
    group by i.agent_id;
    return query select (select count(*) from reputations), (select count(*) from reputation_inputs);
end $$;

drop function reputation_roll_up(integer);
drop table reputation_due;
