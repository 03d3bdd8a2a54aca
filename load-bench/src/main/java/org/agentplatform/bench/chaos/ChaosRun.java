package org.agentplatform.bench.chaos;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import org.agentplatform.bench.JobExecutors;
import org.agentplatform.bench.WorkDirectory;
import org.agentplatform.schema.messaging.Topics;

/**
 * The chaos run: the whole system as separate processes under a seeded mixed load, while a seeded schedule of
 * faults kills workers, the audit leader, the ingest, the broker and PostgreSQL; then it drains and checks every
 * invariant with its own code ({@link Invariants}), reports recovery per fault and exits non-zero on any
 * violation.
 *
 * <pre>
 * java -jar load-bench/target/load-bench.jar chaos            # short mode (CI): under 4 minutes
 * java -jar load-bench/target/load-bench.jar chaos --long     # 16 minutes of load, about 40 faults
 * options: --seed=N (replays a schedule), --rate=N (Kafka commands/s), --out=DIR
 * </pre>
 */
public final class ChaosRun {

    private ChaosRun() {
    }

    record Options(boolean longMode, long seed, int rate, Path out) {
        static Options parse(String[] args) {
            boolean longMode = false;
            long seed = 1;
            int rate = 100;
            Path out = null;
            for (String a : args) {
                if (a.equals("--long")) {
                    longMode = true;
                } else if (a.equals("--short")) {
                    longMode = false;
                } else if (a.startsWith("--seed=")) {
                    seed = Long.parseLong(a.substring(7));
                } else if (a.startsWith("--rate=")) {
                    rate = Integer.parseInt(a.substring(7));
                } else if (a.startsWith("--out=")) {
                    out = Path.of(a.substring(6));
                } else if (!a.equals("chaos")) {
                    throw new IllegalArgumentException("unknown option " + a + " (options: --long, --short, --seed=N, --rate=N, --out=DIR)");
                }
            }
            if (out == null) {
                out = org.agentplatform.bench.ProcessStack.repositoryRoot().resolve("load-bench/target/chaos-report")
                        .resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
            }
            return new Options(longMode, seed, rate, out);
        }

        Duration load() {
            return longMode ? Duration.ofMinutes(16) : Duration.ofSeconds(80);
        }

        Duration drain() {
            return longMode ? Duration.ofMinutes(5) : Duration.ofMinutes(3);
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        Path work = Files.createTempDirectory("chaos-run-");
        int exit;
        try {
            exit = run(o, work);
        } catch (Exception e) {
            e.printStackTrace();
            exit = 2;
        } finally {
            WorkDirectory.keepLogs(work.resolve("logs"), o.out().resolve("logs"));
            WorkDirectory.delete(work);
        }
        System.out.println("Report: " + o.out().toAbsolutePath());
        System.exit(exit);
    }

    private static int run(Options o, Path work) throws Exception {
        long t0 = System.currentTimeMillis();
        List<Fault.Scheduled> schedule = Fault.schedule(o.seed(), o.load(), !o.longMode());
        System.out.printf("Chaos run (%s mode, seed %d): %d faults over %d s of load at %d commands/s%n",
                o.longMode() ? "long" : "short", o.seed(), schedule.size(), o.load().toSeconds(), o.rate());
        // C1 only and the serial collector: nine JVMs start and run on two cores
        List<String> jvm = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss512k");
        try (Cluster cluster = new Cluster(work, jvm)) {
            cluster.start();
            long started = System.currentTimeMillis();
            System.out.printf("System up in %.1f s: PostgreSQL, a broker, %s%n", (started - t0) / 1000.0,
                    "2 audit, 2 ledger, 2 job workers and the ingest, each a process of its own");
            ChaosLoad load = new ChaosLoad(o.seed(), cluster.bootstrapServers());
            List<UUID> credits = new ArrayList<>(load.rich);
            ChaosHttp http = new ChaosHttp(cluster.ingestUrl(), load.httpAgents, credits);
            Invariants invariants = new Invariants(cluster.postgres().dataSource(Cluster.DATABASE), cluster.bootstrapServers(),
                    load, http);
            load.sendAll(load.registrations());
            awaitOutcomes(invariants, load, Duration.ofMinutes(2));
            load.sendAll(load.grants());
            awaitOutcomes(invariants, load, Duration.ofMinutes(2));
            http.createKeys(cluster.adminKey());
            Topics topics = new Topics("");
            FaultRunner runner = new FaultRunner(cluster);
            List<ProgressProbe.Sample> samples;
            try (JobExecutors executors = new JobExecutors(cluster.bootstrapServers(), topics, Set.copyOf(load.executors), load::leased);
                 ProgressProbe probe = new ProgressProbe(cluster, Set.of(topics.karmaCommands(), topics.claimCommands(),
                         topics.jobCommands()))) {
                long loadStart = System.currentTimeMillis();
                load.runUntil(System.nanoTime() + o.load().toNanos());
                Thread generator = new Thread(() -> load.run(o.rate()), "chaos-load");
                generator.start();
                http.start(3, Duration.ofMillis(300), o.seed(), load::until, Duration.ofMinutes(3));
                // a fault that slipped (a slow restart before it) still meets load: the load runs on 20 s past it
                runner.run(schedule, loadStart, struck -> load.runUntil(System.nanoTime() + Duration.ofSeconds(20).toNanos()));
                generator.join();
                System.out.printf("%nLoad done: %,d commands sent, %,d acknowledged, %,d duplicates, %,d malformed; draining%n",
                        load.sent.size(), load.acked.size(), load.duplicates.get(), load.malformed.size());
                load.awaitAcknowledged(Duration.ofMinutes(2));
                http.join();
                runner.awaitRestarts(Duration.ofMinutes(4));
                long drainStart = System.currentTimeMillis();
                long deadline = drainStart + o.drain().toMillis();
                while (!invariants.settled() && System.currentTimeMillis() < deadline) {
                    Thread.sleep(1000); // polling the database for the drain, bounded by the deadline
                }
                System.out.printf("Drained in %.1f s%n", (System.currentTimeMillis() - drainStart) / 1000.0);
                samples = probe.samples;
            }
            List<Invariants.Check> checks = invariants.all();
            Map<UUID, Invariants.Outcome> outcomes = invariants.outcomes(new HashSet<>(load.sent.keySet()));
            String report = ChaosReport.markdown(o, schedule, runner, samples, checks, load, http, outcomes,
                    List.copyOf(http.answers), (System.currentTimeMillis() - t0) / 1000);
            Files.createDirectories(o.out());
            Files.writeString(o.out().resolve("summary.md"), report);
            System.out.println();
            System.out.println(report);
            load.close();
            long violations = checks.stream().mapToLong(Invariants.Check::violations).sum();
            return violations == 0 ? 0 : 1;
        }
    }

    private static void awaitOutcomes(Invariants invariants, ChaosLoad load, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Set<UUID> ids = new HashSet<>(load.sent.keySet());
        while (invariants.outcomes(ids).size() < ids.size()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("set-up commands not applied within " + timeout);
            }
            Thread.sleep(250);
        }
    }

    /** Counts by key, sorted, for the report. */
    static <K extends Comparable<K>> Map<K, Long> count(List<K> keys) {
        Map<K, Long> out = new TreeMap<>();
        keys.forEach(k -> out.merge(k, 1L, Long::sum));
        return out;
    }
}
