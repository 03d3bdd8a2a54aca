-- Reputation: a score per agent, a projection of what the platform has recorded (README "Reputation", which gives
-- the formula and its reasons). Each input is a row of reputation_inputs, named by its source (a settled claim, a
-- vote on it, an ended job attempt, a job's end, an escrow payout), with its points and time; reputations holds
-- each agent's sum. Both are written by triggers in the transaction of the worker whose write made
-- the input (the ledger settling a claim or paying an escrow, the job worker ending an attempt or a job), so the
-- projection is exactly as current as the facts and no consumer, inbox or ordering is involved. The triggers and
-- reputation_rebuild() derive inputs with the same functions (reputation_claim_inputs, reputation_job_inputs,
-- reputation_earned_inputs), so a rebuild from the recorded history gives the same rows and the same sums.
--
-- Recency without a clock: an input's weight is points x 2^((at - 2026-01-01) / 90 days), a numeric, fixed when
-- written; the score at time t is 50 + sum(weight) x 2^(-(t - 2026-01-01) / 90 days), never below 0. Every input
-- thus halves every 90 days, the stored sums never need rewriting, and sorting by the sum sorts by the score.
--
-- Deploy: any order. The workers of the release before write the same rows (the triggers run in the database);
-- nothing reads the new tables but this release's ingest. The index builds and the backfill below scan the history
-- once, in Flyway's one transaction, and hold writes to transfers, jobs, job_attempts, claims and
-- claim_status_history until it commits: on a large deployment apply it in a quiet hour.
-- Rollback: U13 drops the triggers, functions and both tables (the projection only; the facts are untouched).

create table reputation_inputs (
    id        text        primary key,
    agent_id  uuid        not null,
    kind      text        not null,
    points    numeric     not null,
    at        timestamptz not null,
    weight    numeric     not null,
    detail    text        not null,
    -- the karma an escrow payout earned (KARMA_EARNED), else 0
    karma     bigint      not null
);
create index reputation_inputs_agent_idx on reputation_inputs (agent_id, at desc, id);

create table reputations (
    agent_id       uuid        primary key,
    weighted       numeric     not null,
    inputs         bigint      not null,
    last_input_at  timestamptz not null,
    karma_earned   bigint      not null
);
-- the leaderboards: keyset by (weighted, agent_id) and by (karma_earned, agent_id), highest first (scanned backwards)
create index reputations_rank_idx on reputations (weighted, agent_id);
create index reputations_earned_idx on reputations (karma_earned, agent_id);

-- the reciprocity check of a vote: did the claimant verify a claim of this voter before?
create index claim_votes_voter_idx on claim_votes (voter_id);
-- the read side's aggregations: claim statistics per subject, job statistics per executor
create index claims_subject_idx on claims (subject, created_at);
create index job_attempts_executor_idx on job_attempts (executor_id, leased_at);

create function reputation_weight(points numeric, at timestamptz) returns numeric
    language sql immutable strict
    return round(points * power(2::numeric, (extract(epoch from at - timestamptz '2026-01-01 00:00:00+00')
                                             / 7776000)::numeric), 12);

create function reputation_score(weighted numeric, at timestamptz) returns numeric
    language sql immutable strict
    return round(greatest(0, 50 + weighted * power(2::numeric, -(extract(epoch from at - timestamptz '2026-01-01 00:00:00+00')
                                                               / 7776000)::numeric)), 6);

-- Claims: the claimant's VERIFIED or REJECTED, and every vote cast before the claim settled. A verifying vote is
-- independent unless the claimant had verified a claim of the voter by then (reciprocal) or the voter had already
-- verified three claims of this claimant (repeated); only independent votes earn, and only they count for the
-- claimant. What a verification and an agreeing vote earn scales with the stake: a claim that risks nothing earns
-- nothing, for anyone. Each lookup is by the ids given (no "all" case, which would hide the indexes from the plan
-- of a trigger's call); the rebuild passes every id.
create function reputation_claim_inputs(claim_ids uuid[])
    returns table (id text, agent_id uuid, kind text, points numeric, at timestamptz, detail text, karma bigint)
    language sql stable
as $$
    with settled as (
        select c.id, c.claimant_id, least(1, c.stake / 10.0) as weight, c.stake, h.status, h.changed_at
        from claims c
        join claim_status_history h on h.claim_id = c.id and h.status in ('VERIFIED', 'REJECTED')
        where c.id = any (claim_ids)
    ), votes as (
        select s.id as claim_id, s.status, s.changed_at, s.weight, v.voter_id, v.verified,
               v.verified = (s.status = 'VERIFIED') as agrees,
               v.verified and exists (
                   select 1 from claim_votes back join claims theirs on theirs.id = back.claim_id
                   where back.voter_id = s.claimant_id and back.verified and theirs.claimant_id = v.voter_id
                     and back.voted_at <= s.changed_at) as reciprocal,
               v.verified and (select count(*) from (
                   select 1 from claim_votes earlier join claims mine on mine.id = earlier.claim_id
                   where earlier.voter_id = v.voter_id and earlier.verified and mine.claimant_id = s.claimant_id
                     and (earlier.voted_at, earlier.claim_id) < (v.voted_at, v.claim_id) limit 3) e) >= 3 as repeated
        from settled s
        join claim_votes v on v.claim_id = s.id and v.voted_at <= s.changed_at
    ), tally as (
        -- one pass over the votes (a subquery per claim would read them all again for each claim of a rebuild)
        select v.claim_id, count(*) filter (where v.verified and not v.reciprocal and not v.repeated) as independent,
               count(*) filter (where v.verified) as verifying
        from votes v group by v.claim_id
    )
    select 'claim:' || s.id, s.claimant_id,
           case s.status when 'VERIFIED' then 'CLAIM_VERIFIED' else 'CLAIM_REJECTED' end,
           case s.status
               when 'VERIFIED' then round(10 * s.weight
                   * coalesce(t.independent::numeric / nullif(t.verifying, 0), 0), 2)
               else -15 end,
           s.changed_at,
           'claim ' || s.status || ', stake ' || s.stake, 0::bigint
    from settled s
    left join tally t on t.claim_id = s.id
    union all
    select 'vote:' || v.claim_id || ':' || v.voter_id, v.voter_id,
           case when not v.agrees then 'VOTE_DISAGREED' when v.reciprocal then 'VOTE_RECIPROCAL'
                when v.repeated then 'VOTE_REPEATED' else 'VOTE_AGREED' end,
           case when not v.agrees then -3 when v.reciprocal or v.repeated then 0 else round(2 * v.weight, 2) end,
           v.changed_at,
           'voted ' || case when v.verified then 'verify' else 'dispute' end || ' on a claim that was ' || v.status,
           0::bigint
    from votes v
$$;

-- Jobs: every ended attempt for its executor, and the job's end (SUCCEEDED for its submitter, DEAD for the executor
-- of its last attempt), at the time the attempt ended. Work on one's own jobs earns nothing, and a submitter and
-- an executor earn from their first five successful jobs together only (a pair cannot farm free jobs).
create function reputation_job_inputs(job_ids uuid[])
    returns table (id text, agent_id uuid, kind text, points numeric, at timestamptz, detail text, karma bigint)
    language sql stable
as $$
    with ended as (
        select a.job_id, a.fencing_token, a.attempt, a.executor_id, a.outcome, a.ended_at, j.submitter_id, j.status,
               a.outcome = 'SUCCEEDED' and j.submitter_id <> a.executor_id and (select count(*) from (
                   select 1 from job_attempts earlier join jobs theirs on theirs.id = earlier.job_id
                   where earlier.executor_id = a.executor_id and earlier.outcome = 'SUCCEEDED'
                     and theirs.submitter_id = j.submitter_id
                     and (earlier.ended_at, earlier.job_id) < (a.ended_at, a.job_id) limit 5) e) < 5 as earns
        from job_attempts a
        join jobs j on j.id = a.job_id
        where a.job_id = any (job_ids) and a.outcome in ('SUCCEEDED', 'FAILED', 'EXPIRED') and a.ended_at is not null
    )
    select 'attempt:' || e.job_id || ':' || e.fencing_token, e.executor_id, 'ATTEMPT_' || e.outcome,
           case e.outcome when 'SUCCEEDED' then case when e.earns then 3 else 0 end
                          when 'FAILED' then -1
                          when 'EXPIRED' then -2 end,
           e.ended_at,
           'attempt ' || e.attempt || ' ' || e.outcome, 0::bigint
    from ended e
    union all
    select 'job:' || e.job_id,
           case e.status when 'DEAD' then e.executor_id else e.submitter_id end,
           case e.status when 'DEAD' then 'JOB_DIED' else 'JOB_SUBMITTED_SUCCEEDED' end,
           case e.status when 'DEAD' then -2 else case when e.earns then 1 else 0 end end,
           e.ended_at,
           'job ' || e.status || ' after ' || e.attempt || ' attempts', 0::bigint
    from ended e
    where (e.status = 'DEAD' or (e.status = 'SUCCEEDED' and e.outcome = 'SUCCEEDED'))
      and e.attempt = (select max(a.attempt) from job_attempts a where a.job_id = e.job_id)
$$;

-- Karma earned: escrow payouts for jobs the payee did not submit, from the first five payouts between the two
-- (a grant or a transfer between agents is not earned: it can be given or traded back and forth; nor is karma
-- passed back and forth through jobs beyond that).
create function reputation_earned_inputs(transfer_ids uuid[])
    returns table (id text, agent_id uuid, kind text, points numeric, at timestamptz, detail text, karma bigint)
    language sql stable
as $$
    select 'earned:' || t.id, acc.agent_id, 'KARMA_EARNED',
           case when (select count(*) from (
                   select 1 from transfers earlier
                   join job_saga_commands es on es.id = earlier.id join jobs ej on ej.id = es.job_id
                   where earlier.credit_account_id = t.credit_account_id
                     and earlier.debit_account_id = '00000000-0000-0000-0000-00000000e5c0' and earlier.status = 'POSTED'
                     and ej.submitter_id = j.submitter_id
                     and (earlier.created_at, earlier.id) < (t.created_at, t.id) limit 5) e) < 5
                then least(5, round(t.amount / 10.0, 2)) else 0 end,
           t.created_at, t.amount || ' karma for a job', t.amount
    from transfers t
    join accounts acc on acc.id = t.credit_account_id and acc.agent_id is not null
    join job_saga_commands s on s.id = t.id
    join jobs j on j.id = s.job_id
    where t.id = any (transfer_ids) and t.debit_account_id = '00000000-0000-0000-0000-00000000e5c0'
      and t.status = 'POSTED' and j.submitter_id <> acc.agent_id
$$;

-- Records inputs not recorded yet (an input is recorded once: its id names its source) and adds those that move
-- something to the sums, locking the agents' rows in id order (an input of 0 is recorded, to explain, but locks
-- nothing: most claims and jobs touch no sum). Two workers' transactions that settle inputs of the same agents in
-- different orders can still deadlock; PostgreSQL aborts one, and that worker retries its batch.
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

-- Row triggers, each filtered by its WHEN clause before any function runs: a plain transfer, a lease or a heartbeat
-- costs nothing here. An attempt and its job both trigger for the job: whichever of the two rows a worker writes
-- last sees both ended, and the input ids keep the other from counting twice.
create function reputation_on_claim_settled() returns trigger language plpgsql as $$
begin
    perform reputation_record(array[new.claim_id], '{}', '{}');
    return null;
end $$;
create trigger reputation_claims after insert on claim_status_history
    for each row when (new.status in ('VERIFIED', 'REJECTED')) execute function reputation_on_claim_settled();

create function reputation_on_job_ended() returns trigger language plpgsql as $$
begin
    perform reputation_record('{}', array[new.job_id], '{}');
    return null;
end $$;
create trigger reputation_attempts after update on job_attempts
    for each row when (new.outcome is not null and old.outcome is null) execute function reputation_on_job_ended();

create function reputation_on_job_status() returns trigger language plpgsql as $$
begin
    perform reputation_record('{}', array[new.id], '{}');
    return null;
end $$;
create trigger reputation_jobs after update on jobs
    for each row when (new.status in ('DEAD', 'SUCCEEDED') and old.status is distinct from new.status)
    execute function reputation_on_job_status();

create function reputation_on_payout() returns trigger language plpgsql as $$
begin
    perform reputation_record('{}', '{}', array[new.id]);
    return null;
end $$;
create trigger reputation_payouts after insert on transfers
    for each row when (new.debit_account_id = '00000000-0000-0000-0000-00000000e5c0' and new.status = 'POSTED')
    execute function reputation_on_payout();

-- The rebuild: the projection again from the recorded history, under locks that hold the workers' triggers until
-- it commits. Returns the agents and inputs it wrote. `select * from reputation_rebuild()`.
create function reputation_rebuild() returns table (agents bigint, inputs bigint)
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

-- the history so far
select * from reputation_rebuild();
