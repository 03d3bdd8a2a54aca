package org.agentplatform.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.IntFunction;

import org.agentplatform.ingest.claims.ClaimReadSql;
import org.agentplatform.ingest.jobs.JobReadSql;
import org.agentplatform.ingest.karma.KarmaReadSql;
import org.agentplatform.ingest.reputation.ReputationReadSql;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.TestPropertySource;

import tools.jackson.databind.json.JsonMapper;

/**
 * The read side at scale, on a real PostgreSQL: seeds {@code -Dbenchmark.agents} agents (100,000) with accounts,
 * {@code -Dbenchmark.transfers} posted transfers (5,000,000) over 180 days, 200,000 claims over 2,000 subjects,
 * 1,000,000 job attempts, and the reputation projection rebuilt from them; then asks each aggregation endpoint
 * over HTTP for random entities and prints its p50 and p99, and the plan of its statement ({@code EXPLAIN ANALYZE}),
 * failing if a hot path scans one of the big tables. Opt-in, it takes minutes:
 * {@code ./mvnw -B -pl ingest-service -am test -Dtest=ReadSideScaleBenchmark -Dsurefire.failIfNoSpecifiedTests=false -Dbenchmark=true}.
 */
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
@TestPropertySource(properties = "ingest.rate-limit.enabled=false")
class ReadSideScaleBenchmark extends AbstractIngestIntegrationTest {

    static final int AGENTS = Integer.getInteger("benchmark.agents", 100_000);
    static final int TRANSFERS = Integer.getInteger("benchmark.transfers", 5_000_000);
    static final int CLAIMS = 200_000;
    static final int SUBJECTS = 2_000;
    static final int ATTEMPTS = 1_000_000;
    static final int REQUESTS = Integer.getInteger("benchmark.requests", 400);

    @Test
    void eachEndpointsP99AndPlanAtScale() throws Exception {
        try (Connection admin = DriverManager.getConnection(env.jdbcUrl(), env.username(), env.password())) {
            seed(admin);
        }
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        Random random = new Random(42);
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        Map<String, long[]> latencies = new LinkedHashMap<>();
        latencies.put("GET /accounts/{id}/flow (30 days)", measure(http, i -> "/accounts/" + agent(random) + "/flow"));
        latencies.put("GET /accounts/{id}/flow (180 days)", measure(http, i -> "/accounts/" + agent(random)
                + "/flow?from=" + today.minusDays(180) + "&to=" + today.plusDays(1)));
        latencies.put("GET /claims/statistics?subject=", measure(http,
                i -> "/claims/statistics?subject=subject%20" + random.nextInt(SUBJECTS)));
        latencies.put("GET /agents/{id}/job-statistics", measure(http, i -> "/agents/" + agent(random) + "/job-statistics"));
        latencies.put("GET /agents/{id}/reputation", measure(http, i -> "/agents/" + agent(random) + "/reputation"));
        latencies.put("GET /reputation/leaderboard (first page)", measure(http, i -> "/reputation/leaderboard?limit=50"));
        String deep = nextPageCursor(http, "/reputation/leaderboard?limit=200", 25);
        latencies.put("GET /reputation/leaderboard (page 26)", measure(http, i -> "/reputation/leaderboard?limit=50&after=" + deep));
        latencies.put("GET /reputation/leaderboard?by=karma-earned", measure(http,
                i -> "/reputation/leaderboard?by=karma-earned&limit=50"));

        System.out.printf(Locale.ROOT, "%nRead side at %,d agents, %,d transfers, %,d claims, %,d job attempts (%d requests each,"
                + " sequential, over HTTP, on the primary)%n", AGENTS, TRANSFERS, CLAIMS, ATTEMPTS, REQUESTS);
        System.out.printf(Locale.ROOT, "| endpoint | p50 ms | p99 ms |%n| --- | --- | --- |%n");
        latencies.forEach((name, nanos) -> System.out.printf(Locale.ROOT, "| %s | %.2f | %.2f |%n", name,
                percentile(nanos, 0.50) / 1e6, percentile(nanos, 0.99) / 1e6));

        Timestamp now = Timestamp.from(Instant.now());
        UUID account = UUID.fromString(agent(random));
        Map<String, String> plans = new LinkedHashMap<>();
        plans.put("flow", explain(KarmaReadSql.FLOW, Map.of("id", account,
                "from", Timestamp.from(Instant.now().minus(180, ChronoUnit.DAYS)), "to", now)));
        plans.put("claim statistics", explain(ClaimReadSql.SUBJECT_STATISTICS, Map.of("subject", "subject 7")));
        plans.put("job statistics", explain(JobReadSql.EXECUTOR_STATISTICS, Map.of("executor", account)));
        plans.put("reputation breakdown", explain(ReputationReadSql.BREAKDOWN, Map.of("agent", account, "at", now)));
        plans.put("reputation inputs", explain(ReputationReadSql.RECENT, Map.of("agent", account, "at", now, "limit", 20)));
        String[] cursor = deep.split("_");
        plans.put("leaderboard page", explain(ReputationReadSql.LEADERBOARD_NEXT_PAGE, Map.of("at", now, "limit", 50,
                "key", new BigDecimal(cursor[0]), "agent", UUID.fromString(cursor[1]))));
        plans.put("karma-earned page", explain(ReputationReadSql.EARNED_NEXT_PAGE, Map.of("at", now, "limit", 50,
                "key", new BigDecimal(0), "agent", UUID.fromString(cursor[1]))));
        try (Connection admin = DriverManager.getConnection(env.jdbcUrl(), env.username(), env.password())) {
            plans.putAll(triggerPaths(admin));
        }
        plans.forEach((name, plan) -> System.out.printf(Locale.ROOT, "%n-- plan: %s%n%s%n", name, plan));
        plans.forEach((name, plan) -> assertThat(plan).as(name)
                .doesNotContain("Seq Scan on transfers", "Seq Scan on claims", "Seq Scan on job_attempts",
                        "Seq Scan on reputation_inputs", "Seq Scan on reputations", "Seq Scan on agents"));
    }

    private void seed(Connection admin) throws SQLException {
        long t0 = System.nanoTime();
        try (Statement s = admin.createStatement()) {
            // no foreign-key checks or triggers while seeding: the rows are consistent by construction
            s.execute("set session_replication_role = replica");
            s.execute("""
                    insert into agents (id, name, status, created_at, updated_at)
                    select md5('agent' || i)::uuid, 'agent ' || i, 'ACTIVE', now() - interval '200 days',
                           now() - interval '200 days'
                    from generate_series(0, %1$d - 1) i""".formatted(AGENTS));
            s.execute("insert into accounts (id, agent_id, created_at, updated_at) select id, id, created_at, created_at from agents");
            s.execute("""
                    insert into transfers (id, debit_account_id, credit_account_id, amount, kind, status, debit_balance_before,
                                           debit_balance_after, credit_balance_before, credit_balance_after, created_at)
                    select md5('transfer' || i)::uuid, md5('agent' || ((i * 7919) %% %1$d))::uuid,
                           md5('agent' || (((i * 7919) %% %1$d + 1 + i %% (%1$d - 1)) %% %1$d))::uuid, 1 + i %% 50,
                           case i %% 10 when 0 then 'PAYMENT' else 'TRANSFER' end, 'POSTED', 0, 0, 0, 0,
                           now() - make_interval(secs => (i * 3.1) %% 15552000)
                    from generate_series(1::bigint, %2$d) i""".formatted(AGENTS, TRANSFERS));
            s.execute("""
                    insert into claims (id, claimant_id, subject, statement, stake, quorum, status, created_at, updated_at)
                    select md5('claim' || i)::uuid, md5('agent' || (i %% %1$d))::uuid, 'subject ' || (i %% %2$d), 'x',
                           0, 3, case i %% 3 when 0 then 'VERIFIED' when 1 then 'REJECTED' else 'OPEN' end,
                           now() - make_interval(secs => (i * 7.7) %% 15552000), now()
                    from generate_series(1, %3$d) i""".formatted(AGENTS, SUBJECTS, CLAIMS));
            // a verification per claim, by another agent, before it settled
            s.execute("""
                    insert into claim_votes (claim_id, voter_id, verified, command_id, voted_at)
                    select id, md5('agent' || ((hashtext(id::text) & 65535) %% %1$d))::uuid, true, md5('vote' || id)::uuid,
                           created_at from claims
                    where md5('agent' || ((hashtext(id::text) & 65535) %% %1$d))::uuid <> claimant_id""".formatted(AGENTS));
            s.execute("""
                    insert into claim_status_history (claim_id, status, command_id, changed_at)
                    select id, status, md5('settle' || id)::uuid, created_at + make_interval(secs => abs(hashtext(id::text)) % 3600)
                    from claims where status <> 'OPEN'""");
            s.execute("""
                    insert into jobs (id, submitter_id, status, priority, attempts, max_attempts, lease_timeout_ms, run_at, spec,
                                      created_at, updated_at, fencing_token, lessee, lease_expires_at)
                    select md5('job' || i)::uuid, md5('agent' || ((i + 1) %% %1$d))::uuid,
                           case i %% 5 when 0 then 'DEAD' when 4 then 'LEASED' else 'SUCCEEDED' end, 0, 1, 1, 30000,
                           now(), '{}', now(), now(), 1,
                           case when i %% 5 = 4 then md5('agent' || ((i * 31) %% %1$d))::uuid end,
                           case when i %% 5 = 4 then now() + interval '1 day' end
                    from generate_series(1, %2$d) i""".formatted(AGENTS, ATTEMPTS));
            s.execute("""
                    insert into job_attempts (job_id, fencing_token, attempt, executor_id, leased_at, ended_at, outcome)
                    select md5('job' || i)::uuid, 1, 1, md5('agent' || ((i * 31) %% %1$d))::uuid, l.at,
                           case when i %% 5 = 4 then null else l.at + make_interval(secs => 1 + i %% 600) end,
                           case i %% 5 when 0 then 'FAILED' when 4 then null else 'SUCCEEDED' end
                    from generate_series(1, %2$d) i, lateral (select now() - make_interval(secs => (i * 13.3) %% 15552000) as at) l
                    """.formatted(AGENTS, ATTEMPTS));
            s.execute("set session_replication_role = origin");
            // statistics first, as a database that has been running has them (the rebuild's plan depends on them)
            s.execute("analyze");
            long seeded = System.nanoTime();
            s.execute("select * from reputation_rebuild()");
            long rebuilt = System.nanoTime();
            s.execute("analyze");
            System.out.printf(Locale.ROOT, "%nSeeded in %.1f s; reputation_rebuild() over it in %.1f s; analyze in %.1f s%n",
                    (seeded - t0) / 1e9, (rebuilt - seeded) / 1e9, (System.nanoTime() - rebuilt) / 1e9);
        }
    }

    /**
     * Reputation's write path at this scale: the triggers in the workers' own transactions (since V14 they only
     * queue the source) and the roll-up that derives and sums what they queued, with the plans of their nested
     * statements (auto_explain, sent back as notices) and what each costs.
     */
    private static Map<String, String> triggerPaths(Connection admin) throws SQLException {
        Map<String, String> plans = new LinkedHashMap<>();
        try (Statement s = admin.createStatement()) {
            s.execute("load 'auto_explain'");
            s.execute("set auto_explain.log_nested_statements = on");
            s.execute("set auto_explain.log_level = notice");
            s.execute("set client_min_messages = notice");
            // the rows first, without the plans: the triggers' nested statements are what is looked at
            s.execute("set auto_explain.log_min_duration = -1");
            String claim = single(s, "select id from claims where status = 'OPEN' limit 1");
            String job = single(s, "select job_id from job_attempts where outcome is null limit 1");
            s.execute("set auto_explain.log_min_duration = 0");
            s.execute("insert into claim_status_history (claim_id, status, command_id, changed_at) values ('" + claim
                    + "', 'VERIFIED', gen_random_uuid(), now())");
            plans.put("trigger: a claim settles", notices(s));
            s.execute("update job_attempts set outcome = 'SUCCEEDED', ended_at = now() where job_id = '" + job
                    + "' and fencing_token = 1");
            plans.put("trigger: an attempt ends", notices(s));
            s.execute("select * from reputation_roll_up(1000)");
            plans.put("roll-up of the claim and the job", notices(s));
            s.execute("set auto_explain.log_min_duration = -1");
            int n = 500;
            long t0 = System.nanoTime();
            s.execute("update job_attempts set outcome = 'SUCCEEDED', ended_at = now() where (job_id, fencing_token) in"
                    + " (select job_id, fencing_token from job_attempts where outcome is null limit " + n + ")");
            long attempts = System.nanoTime() - t0;
            t0 = System.nanoTime();
            s.execute("insert into claim_status_history (claim_id, status, command_id, changed_at) select id, 'REJECTED',"
                    + " gen_random_uuid(), now() from claims c where status = 'OPEN' and not exists (select 1 from"
                    + " claim_status_history h where h.claim_id = c.id and h.status <> 'OPEN') limit " + n);
            long claims = System.nanoTime() - t0;
            // a full batch (ledger-worker.yml's 1000), with its plan
            s.execute("set auto_explain.log_min_duration = 0");
            t0 = System.nanoTime();
            String rolled = single(s, "select taken || ' queue rows, ' || inputs || ' inputs' from reputation_roll_up(1000)");
            long rollUp = System.nanoTime() - t0;
            plans.put("roll-up of a batch of " + 2 * n + " queue rows", notices(s));
            s.execute("set auto_explain.log_min_duration = -1");
            System.out.printf(Locale.ROOT, "%nAt this scale: the row triggers cost %.3f ms per ended attempt and %.3f ms"
                    + " per settled claim (%d of each, one statement); one roll-up of %s took %.1f ms, %.3f ms per queue row%n",
                    attempts / 1e6 / n, claims / 1e6 / n, n, rolled, rollUp / 1e6, rollUp / 1e6 / (2 * n));
        }
        return plans;
    }

    private static String single(Statement s, String sql) throws SQLException {
        try (java.sql.ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static String notices(Statement s) throws SQLException {
        StringBuilder text = new StringBuilder();
        for (java.sql.SQLWarning w = s.getWarnings(); w != null; w = w.getNextWarning()) {
            text.append(w.getMessage()).append('\n');
        }
        s.clearWarnings();
        return text.toString();
    }

    private static String agent(Random random) {
        return md5Uuid("agent" + random.nextInt(AGENTS));
    }

    /** PostgreSQL's md5(text)::uuid. */
    private static String md5Uuid(String text) {
        try {
            byte[] d = MessageDigest.getInstance("MD5").digest(text.getBytes(StandardCharsets.UTF_8));
            StringBuilder hex = new StringBuilder();
            for (byte b : d) {
                hex.append(String.format("%02x", b));
            }
            return UUID.fromString(hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
                    + hex.substring(16, 20) + "-" + hex.substring(20)).toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private long[] measure(HttpClient http, IntFunction<String> path) throws IOException, InterruptedException {
        for (int i = 0; i < 50; i++) {
            call(http, path.apply(i));
        }
        long[] nanos = new long[REQUESTS];
        for (int i = 0; i < REQUESTS; i++) {
            String p = path.apply(i);
            long start = System.nanoTime();
            call(http, p);
            nanos[i] = System.nanoTime() - start;
        }
        return nanos;
    }

    private String call(HttpClient http, String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Authorization", "Bearer " + ADMIN).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return response.body();
    }

    private String nextPageCursor(HttpClient http, String first, int pages) throws IOException, InterruptedException {
        String path = first;
        String next = null;
        for (int i = 0; i < pages; i++) {
            next = JSON.readTree(call(http, path)).get("next").asString();
            path = first + "&after=" + next;
        }
        return next;
    }

    private String explain(String sql, Map<String, ?> params) {
        JdbcClient.StatementSpec statement = jdbc.sql("explain (analyze, buffers) " + sql);
        for (Map.Entry<String, ?> p : params.entrySet()) {
            statement = statement.param(p.getKey(), p.getValue());
        }
        return String.join("\n", statement.query(String.class).list());
    }

    private static double percentile(long[] values, double p) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    static final JsonMapper JSON = JsonMapper.builder().build();
}
