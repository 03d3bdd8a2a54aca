package org.agentplatform.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.agentplatform.schema.messaging.Topics;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The end-to-end benchmark, one command: starts the system as it is deployed (PostgreSQL, a Kafka broker and each
 * service in a JVM of its own, 512 MiB of heap each) on free ports in a temporary directory, drives it from this
 * JVM with an open-loop load raised in steps, then stops the services and runs the baselines (naive consumer,
 * pgbench) on the same servers, and writes a report folder. Not a test: run it with
 * {@code java -jar load-bench/target/load-bench.jar [--quick]} from the repository root after building.
 */
public final class PipelineBenchmark {

    private static final int HTTP_AGENTS = 32; // the ingest rate limit is per caller: spread HTTP load over agents
    /** A step after which the audit log trails by more than this ends the run: later steps would only pile on. */
    private static final double AUDIT_GIVE_UP_SECONDS = 60;

    private PipelineBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("chaos")) {
            org.agentplatform.bench.chaos.ChaosRun.main(args);
            return;
        }
        System.setProperty("java.awt.headless", "true");
        BenchOptions options = BenchOptions.parse(args);
        Path work = Files.createTempDirectory("load-bench-");
        int exit = 0;
        try {
            RunData data = run(options, work);
            String md = Report.write(data, options.out());
            System.out.println();
            System.out.println(md);
            System.out.println("Report: " + options.out().toAbsolutePath());
        } catch (Exception e) {
            e.printStackTrace();
            exit = 1;
        } finally {
            WorkDirectory.keepLogs(work.resolve("logs"), options.out().resolve("logs"));
            WorkDirectory.delete(work);
        }
        System.exit(exit); // client threads are not all daemons
    }

    private static RunData run(BenchOptions o, Path work) throws Exception {
        List<String> notes = new ArrayList<>();
        long t0 = System.nanoTime();
        Path root = ProcessStack.repositoryRoot();
        System.out.println("Starting PostgreSQL, a Kafka broker and the audit, ledger and job workers and the ingest"
                + " service, each in its own JVM (" + ChildProcess.HEAP + ")...");
        // each service records a profile (JFR) into the logs, which the report keeps
        Path profilesDir = work.resolve("logs").resolve("profiles");
        boolean profile = !"false".equals(System.getProperty("bench.profile"));
        List<String> jvmOptions = new ArrayList<>(o.serviceJvmOptions());
        if (profile) {
            Files.createDirectories(profilesDir);
            jvmOptions.add(Profiles.jvmOption(profilesDir));
        }
        try (ProcessStack stack = o.combined() ? ProcessStack.startCombined(work, o.serviceProperties(), jvmOptions)
                : ProcessStack.start(work, root, o.serviceProperties(), jvmOptions)) {
            notes.add(String.format("Stack start: %.1f s.", (System.nanoTime() - t0) / 1e9));
            if (!o.serviceProperties().isEmpty()) {
                notes.add("Service settings on top of the defaults: " + String.join(" ", o.serviceProperties()));
            }
            if (!o.serviceJvmOptions().isEmpty()) {
                notes.add("Service JVM options: " + String.join(" ", o.serviceJvmOptions()));
            }
            JdbcTemplate jdbc = new JdbcTemplate(stack.postgres().dataSource(ProcessStack.DATABASE));
            Counters counters = new Counters();
            IngestClient ingest = new IngestClient("http://localhost:" + stack.httpPort(), counters);
            Workload workload = new Workload(o.accounts(), o.hotAccounts(), o.mix());
            Topics topics = new Topics("");
            List<StepResult> steps = new ArrayList<>();
            List<Double> stepStarts = new ArrayList<>();
            try (LoadGenerator setupGen = new LoadGenerator(stack.bootstrapServers(), topics, workload, ingest, List.of(),
                    List.of(), counters, 0)) {
                System.out.printf("Registering %,d agents and granting karma...%n", workload.accounts().size());
                setupGen.registerAndGrant(workload, "bench-", jdbc);
            }
            List<UUID> httpAgents = new ArrayList<>(workload.accounts().subList(0, Math.min(HTTP_AGENTS, o.accounts())));
            List<String> httpKeys = new ArrayList<>();
            try {
                for (UUID agent : httpAgents) {
                    httpKeys.add(ingest.createKey(agent, stack.adminKey()));
                }
            } catch (IOException e) {
                notes.add("HTTP share disabled: could not create API keys (" + e.getMessage() + ").");
                httpKeys.clear();
            }
            Instant runStart = Instant.now();
            ProcessStats stats = new ProcessStats(stack.postgres().dataDirectory(), stack.processes());
            Sampler sampler;
            Measurements m = new Measurements(jdbc);
            List<Window> windows = new ArrayList<>();
            try (ConsumerLag lag = new ConsumerLag(stack.bootstrapServers());
                 LoadGenerator gen = new LoadGenerator(stack.bootstrapServers(), o.compression(), topics, workload, ingest,
                         httpAgents, httpKeys, counters, o.httpShare());
                 JobExecutors executors = new JobExecutors(stack.bootstrapServers(), topics, workload)) {
                sampler = new Sampler(counters, jdbc, stats, lag, runStart);
                sampler.start();
                if (!warmUp(gen, sampler, counters, jdbc, o)) {
                    notes.add("The audit log was still behind the set-up's commits when the steps began: the first"
                            + " steps' commit-to-audit figures include that backlog.");
                }
                for (int i = 0; i < o.rates().size(); i++) {
                    int rate = o.rates().get(i);
                    sampler.phase(String.format("step %d/%d @%,d/s", i + 1, o.rates().size(), rate), rate);
                    Sampler.Sample before = sampler.sample();
                    Instant from = Instant.now();
                    stepStarts.add(before.t());
                    gen.runStep(rate, o.stepSeconds());
                    Instant to = Instant.now();
                    Sampler.Sample after = sampler.sample();
                    windows.add(new Window(rate, from, to, before, after));
                    long growth = after.backlog() - before.backlog();
                    if (i < o.rates().size() - 1) {
                        if (growth > 0.5 * (after.accepted() - before.accepted())) {
                            notes.add(String.format("Stopped after the %,d/s step: the command backlog grew by %,d (over"
                                    + " half of what was sent); higher steps skipped.", rate, growth));
                            break;
                        }
                        if (after.auditDelaySeconds() > AUDIT_GIVE_UP_SECONDS) {
                            notes.add(String.format("Stopped after the %,d/s step: the audit log trailed the newest commit"
                                    + " by %.0f s; higher steps skipped.", rate, after.auditDelaySeconds()));
                            break;
                        }
                    }
                }
                gen.flush();
                sampler.phase("drain", 0);
                long deadline = System.nanoTime() + o.drainSeconds() * 1_000_000_000L;
                while (!sampler.drained() && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                }
                // the audit log trails the commits (CDC): wait until it has reached the last one, within the same deadline
                if (!awaitAudit(jdbc, deadline)) {
                    notes.add("The audit log had not caught up with the last commit when the drain deadline passed.");
                }
                sampler.sample();
                sampler.close();
                System.out.println("Reading back per-step figures...");
                for (Window w : windows) {
                    steps.add(w.result(m, sampler.samples(), ingest, notes));
                }
                List<String> impossible = sampler.impossibleRates();
                if (!impossible.isEmpty()) {
                    notes.add(String.format("%,d per-sample CPU figures outside 0 to the machine's %d cores were dropped"
                                    + " as impossible (a bad read of /proc), e.g. %s.", impossible.size(),
                            Runtime.getRuntime().availableProcessors(), impossible.get(0)));
                }
            }
            long applied = sampler.applied();
            Map<String, Long> outcomes = m.outcomes(runStart);
            Map<Integer, Long> httpErrors = new HashMap<>();
            HttpErrors.COUNTS.forEach((k, v) -> httpErrors.put(k, v.sum()));
            HttpErrors.FIRST_BODY.forEach((k, v) -> notes.add("First HTTP " + k + " body: " + v));
            otherLoad(steps, notes);

            System.out.println("Stopping the services; the baselines run on the same PostgreSQL and broker...");
            stack.stopServices();
            List<Profiles.Profile> profiles = List.of();
            try {
                if (!windows.isEmpty()) {
                    profiles = Profiles.read(profilesDir, windows.get(0).from(), windows.get(windows.size() - 1).to());
                }
            } catch (IOException | RuntimeException e) {
                notes.add("The services' profiles could not be read: " + e);
            }
            NaiveBaseline.Result naive = null;
            try {
                System.out.println("Naive consumer baseline (the ledger worker with max.poll.records=1)...");
                naive = NaiveBaseline.run(stack.postgres(), stack.bootstrapServers(),
                        ProcessStack.execJar(root, "ledger-worker"), work.resolve("logs"), stack.httpPort() + 1,
                        Math.min(NaiveBaseline.ACCOUNTS, o.accounts()), o.naiveTransfers());
                System.out.printf("%nnaive: %,.0f transfers/s%n", naive.perSecond());
            } catch (Exception e) {
                notes.add("Naive baseline failed: " + e);
            }
            List<PgBench.Result> pg = new ArrayList<>();
            PgBench bench = new PgBench(stack.postgres(), work);
            if (!bench.available()) {
                notes.add("pgbench not found (set -Dbench.pgbench=/path/to/pgbench); PostgreSQL-alone baseline skipped.");
            } else {
                try {
                    PgBench.prepare(new JdbcTemplate(stack.postgres().dataSource(NaiveBaseline.DATABASE)));
                    for (int[] run : new int[][] {{1, 1}, {1, 2}}) {
                        pg.add(pgbench(bench, run[0], run[1], false, o));
                    }
                    try {
                        pg.add(pgbench(bench, PgBench.BATCH, 1, true, o));
                    } catch (IOException e) {
                        notes.add("pgbench pipelined run failed, batched figure is without pipelining: " + e.getMessage());
                        pg.add(pgbench(bench, PgBench.BATCH, 1, false, o));
                    }
                    // PostgreSQL's own ceiling for these writes: the batch as the applier writes it
                    for (int clients : new int[] {1, 2}) {
                        try {
                            pg.add(pgbench(bench, PgBench.BATCH, clients, true, true, o));
                        } catch (IOException e) {
                            notes.add("pgbench set-based run (" + clients + " clients) failed: " + e.getMessage());
                        }
                    }
                } catch (Exception e) {
                    notes.add("pgbench failed: " + e.getMessage());
                }
            }
            System.out.println("Stopping PostgreSQL and the broker...");
            return new RunData(o, Machine.describe(), stack.postgres().version(), stats.names(), steps,
                    sampler.samples(), stepStarts, counters.scheduled.sum(), counters.accepted(), counters.failed(),
                    counters.httpShed.sum(), counters.accepted() - applied, outcomes, httpErrors, naive, pg, profiles, notes);
        }
    }

    /** Says so when something besides this run used the CPU during the steps: such figures are noisy. */
    private static void otherLoad(List<StepResult> steps, List<String> notes) {
        double other = steps.stream().mapToDouble(s -> s.machineCores() - s.cores().values().stream()
                .mapToDouble(Double::doubleValue).sum()).average().orElse(0);
        if (other > 0.15) {
            notes.add(String.format("Other processes on the machine used %.2f cores on average during the steps:"
                    + " the figures are lower than on an idle machine.", other));
        }
    }

    private static PgBench.Result pgbench(PgBench bench, int perTx, int clients, boolean pipelined, BenchOptions o)
            throws IOException, InterruptedException {
        return pgbench(bench, perTx, clients, pipelined, false, o);
    }

    private static PgBench.Result pgbench(PgBench bench, int perTx, int clients, boolean pipelined, boolean setBased,
                                          BenchOptions o) throws IOException, InterruptedException {
        System.out.printf("pgbench: %d transfer(s)/tx%s, %d client(s)%s, %d s...%n", perTx, setBased ? " set-based" : "",
                clients, pipelined ? ", pipelined" : "", o.pgbenchSeconds());
        PgBench.Result r = bench.run("pgbench", perTx, clients, pipelined, setBased, o.pgbenchSeconds());
        System.out.printf("  %,.0f transfers/s%n", r.transfersPerSecond());
        return r;
    }

    /**
     * JIT and connection pools warm, not measured: the first step should not pay for class loading.
     *
     * @return whether the audit log had caught up with the commits before the steps began
     */
    private static boolean warmUp(LoadGenerator gen, Sampler sampler, Counters counters, JdbcTemplate jdbc, BenchOptions o)
            throws InterruptedException {
        int rate = Math.max(100, o.rates().get(0) / 2);
        sampler.phase("warm-up @" + rate + "/s", rate);
        gen.runStep(rate, o.quick() ? 8 : 45); // long enough for the JIT to settle in seven JVMs
        gen.flush();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!sampler.drained() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        // set-up wrote tens of thousands of audited row changes: let CDC work them off, or the first steps'
        // commit-to-audit latency measures the set-up's backlog instead of the steps' own
        sampler.phase("audit catch-up", 0);
        return awaitAudit(jdbc, System.nanoTime() + (o.quick() ? 15 : 90) * 1_000_000_000L);
    }

    /**
     * Waits until the audit log has an entry for the newest command commit (its time read once: a full scan), polling
     * the log's newest entry by its primary key.
     *
     * @return whether it got there before the deadline
     */
    private static boolean awaitAudit(JdbcTemplate jdbc, long deadlineNanos) throws InterruptedException {
        Timestamp last = jdbc.queryForObject("select max(processed_at) from processed_commands", Timestamp.class);
        while (true) {
            List<Timestamp> newest = jdbc.queryForList("select commit_time from audit_log order by seq desc limit 1",
                    Timestamp.class);
            Timestamp logged = newest.isEmpty() ? null : newest.get(0);
            if (last == null || (logged != null && !logged.before(last))) {
                return true;
            }
            if (System.nanoTime() > deadlineNanos) {
                return false;
            }
            Thread.sleep(200);
        }
    }

    /** One step's time window and the samples that bound it. */
    record Window(int rate, Instant from, Instant to, Sampler.Sample before, Sampler.Sample after) {

        StepResult result(Measurements m, List<Sampler.Sample> samples, IngestClient ingest, List<String> notes) {
            double seconds = Measurements.seconds(from, to);
            // CPU over the step from the readings at its ends (CPU time at the end minus at the start, processes
            // alive at both), not a mean of the per-sample rates: those cover intervals of unequal length
            ProcessStats.Snapshot start = before.processes();
            ProcessStats.Snapshot end = after.processes();
            ProcessStats.Rates cores = end.cores(start);
            ProcessStats.Rates jit = end.jitCores(start);
            cores.impossible().forEach((name, c) -> notes.add(String.format(
                    "The %,d/s step's CPU figure of %s (%.1f cores) was impossible: dropped.", rate, name, c)));
            jit.impossible().forEach((name, c) -> notes.add(String.format(
                    "The %,d/s step's JIT CPU figure of %s (%.1f cores) was impossible: dropped.", rate, name, c)));
            Map<String, Long> memory = new LinkedHashMap<>();
            samples.stream().filter(s -> s.t() > before.t() && s.t() <= after.t())
                    .forEach(s -> s.memory().forEach((name, bytes) -> memory.merge(name, bytes, Math::max)));
            return new StepResult(rate, seconds, after.scheduled() - before.scheduled(),
                    after.accepted() - before.accepted(), after.failed() - before.failed(),
                    (after.accepted() - before.accepted()) / seconds, m.appliedPerSecond(from, to), before.backlog(),
                    after.backlog(), m.kafkaEndToEnd(from, to), m.httpEndToEnd(List.copyOf(ingest.accepted), from, to),
                    m.audit(from, to), cores.cores(), jit.cores(), memory, end.machineCores(start), before.lag(),
                    after.lag(), after.slotLagBytes(), before.auditDelaySeconds(), after.auditDelaySeconds());
        }
    }
}
