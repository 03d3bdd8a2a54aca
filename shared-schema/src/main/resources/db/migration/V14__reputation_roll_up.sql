-- Reputation's derivation and sums move out of the workers' transactions (README "Reputation"). V13's triggers
-- derived each input and added it to the agent's sum inside the transaction of the worker that settled a claim,
-- ended an attempt or a job, or paid an escrow: the derivation's index lookups on the hot path (3.5 to 4.3 ms per
-- row at 100,000 agents under load), and a row lock on each agent's sum taken in the order of that worker's batch,
-- so two workers whose transactions touched the same agents in different orders could deadlock. From here the
-- triggers only append what became due to a queue (one small row naming its source: the claim, the job or the
-- payout), in the worker's transaction, so what commits is never missed and what rolls back is never counted.
-- reputation_roll_up(batch), run by one caller at a time (the ledger workers' ReputationRollUp, every 250 ms by
-- default), takes queue rows, derives their sources' inputs set-based with V13's functions and adds them to the sums
-- in agent order. Deriving after the commit also sees facts that committed late with an earlier timestamp, which V13's
-- triggers could not. Scores trail the facts by one pass; reputation_due's size and age are the ledger's gauges.
--
-- Deploy: any order. Workers of the release before keep working (the triggers run in the database); until a ledger
--   worker of this release runs, sources wait in reputation_due and scores stand still.
-- Rollback: U14 rolls up what is queued and puts V13's triggers back.

-- Append-only: every trigger firing is a row of its own. A source queued again while a roll-up takes an earlier row
-- of it (an attempt that failed, then the job's end in a later transaction) is a new row, which the roll-up sees once
-- it commits; a key per source would let the later write conflict with the earlier row and be lost with it.
create table reputation_due (
    seq       bigint      generated always as identity primary key,
    kind      text        not null check (kind in ('claim', 'job', 'payout')),
    source_id uuid        not null,
    queued_at timestamptz not null default now()
);

create or replace function reputation_on_claim_settled() returns trigger language plpgsql as $$
begin
    insert into reputation_due (kind, source_id) values ('claim', new.claim_id);
    return null;
end $$;

-- an attempt and its job both queue the job; the input ids keep a job derived twice from counting twice
create or replace function reputation_on_job_ended() returns trigger language plpgsql as $$
begin
    insert into reputation_due (kind, source_id) values ('job', new.job_id);
    return null;
end $$;

create or replace function reputation_on_job_status() returns trigger language plpgsql as $$
begin
    insert into reputation_due (kind, source_id) values ('job', new.id);
    return null;
end $$;

create or replace function reputation_on_payout() returns trigger language plpgsql as $$
begin
    insert into reputation_due (kind, source_id) values ('payout', new.id);
    return null;
end $$;

drop function reputation_record(uuid[], uuid[], uuid[]);

-- Rolls up at most `batch` queue rows, oldest first, in the caller's transaction; returns how many it took and how
-- many inputs it recorded (an input of 0 is recorded, to explain, but moves no sum). One caller at a time: a second
-- one (another ledger worker) returns 0 at once, and so does any while a rebuild runs; the sums are thus locked by
-- nobody else.
create function reputation_roll_up(batch integer) returns table (taken bigint, inputs bigint)
    language plpgsql volatile
as $$
declare
    claim_ids    uuid[];
    job_ids      uuid[];
    transfer_ids uuid[];
    rows_taken   bigint;
    recorded     bigint;
begin
    if batch < 1 then
        raise exception 'reputation_roll_up: batch must be at least 1, not %', batch;
    end if;
    if not pg_try_advisory_xact_lock(hashtextextended('reputation_roll_up', 0)) then
        return query select 0::bigint, 0::bigint;
        return;
    end if;
    with queued as (
        delete from reputation_due d
        where d.seq in (select q.seq from reputation_due q order by q.seq limit batch)
        returning d.kind, d.source_id
    )
    select coalesce(array_agg(distinct source_id) filter (where kind = 'claim'), '{}'),
           coalesce(array_agg(distinct source_id) filter (where kind = 'job'), '{}'),
           coalesce(array_agg(distinct source_id) filter (where kind = 'payout'), '{}'),
           count(*)
    into claim_ids, job_ids, transfer_ids, rows_taken
    from queued;
    if rows_taken = 0 then
        return query select 0::bigint, 0::bigint;
        return;
    end if;
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
    ), summed as (
        insert into reputations as r (agent_id, weighted, inputs, last_input_at, karma_earned)
        select a.agent_id, sum(a.weight), count(*), max(a.at), sum(a.karma) from added a
        where a.weight <> 0 or a.karma <> 0
        group by a.agent_id order by a.agent_id
        on conflict (agent_id) do update set weighted = r.weighted + excluded.weighted,
                                             inputs = r.inputs + excluded.inputs,
                                             last_input_at = greatest(r.last_input_at, excluded.last_input_at),
                                             karma_earned = r.karma_earned + excluded.karma_earned
    )
    select count(*) into recorded from added;
    return query select rows_taken, recorded;
end $$;

-- The rebuild, as V13's, under the roll-up's lock (it waits for a pass in progress to end; a pass that starts
-- meanwhile returns without doing anything). The queue rows it can see are deleted first: their sources committed,
-- so the next statement's derivation sees them; rows that commit later stay queued, and their inputs, if the rebuild
-- already derived them, are not recorded twice.
create or replace function reputation_rebuild() returns table (agents bigint, inputs bigint)
    language plpgsql volatile
as $$
begin
    perform pg_advisory_xact_lock(hashtextextended('reputation_roll_up', 0));
    lock table reputation_inputs, reputations in exclusive mode;
    delete from reputation_due;
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
