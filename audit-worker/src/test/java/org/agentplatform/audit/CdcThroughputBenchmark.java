package org.agentplatform.audit;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import org.agentplatform.embedded.PostgresServer;
import org.agentplatform.embedded.TestEnvironment;
import org.agentplatform.embedded.TestServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Rough figures for the pipeline on this machine: commit-to-acknowledgement latency of small transactions,
 * and throughput of a backlog of audited inserts, both to Kafka (engine → {@code audit.changes}) and through
 * the whole path into {@code audit_log} (engine → Kafka → audit log consumer), with the CPU it took: of this
 * JVM (which also runs the Kafka broker and the inserting client) by thread group, and of PostgreSQL. Run with
 * {@code ./mvnw -B -q -o -pl audit-worker test -Dtest=CdcThroughputBenchmark -Daudit.bench=true
 * [-Daudit.bench.rows=100000] [-Daudit.bench.warmup=0]}; the figures are the log lines starting with {@code BENCH}.
 * Without a warm-up the JIT compiles much of the bulk path during the measured run (its time is reported): a
 * warm-up backlog of 50,000 gives the steady state.
 */
@EnabledIfSystemProperty(named = "audit.bench", matches = "true")
@SpringBootTest(classes = AuditWorkerApplication.class, properties = "spring.config.name=audit-worker")
@DirtiesContext
class CdcThroughputBenchmark {

    private static final Logger log = LoggerFactory.getLogger(CdcThroughputBenchmark.class);
    static final TestEnvironment env = TestServers.newEnvironment();

    @DynamicPropertySource
    static void servers(DynamicPropertyRegistry registry) {
        env.register(registry);
    }

    @Autowired
    CdcEngine engine;
    @Autowired
    DataSource dataSource;
    @Autowired
    MeterRegistry meters;

    @Test
    void measure() throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> engine.state() == CdcEngine.State.RUNNING);
        Ledger ledger = new Ledger(dataSource);
        JdbcClient sql = JdbcClient.create(dataSource);

        // latency: one small transaction at a time (5 row changes and one event each), each awaited before the next
        double before = published();
        for (int i = 0; i < 200; i++) {
            ledger.registerAndGrant("lat-" + i, 1);
            double target = before + 6 * (i + 1);
            await().pollInterval(Duration.ofMillis(1)).atMost(Duration.ofSeconds(10)).until(() -> published() >= target);
        }
        Timer lag = meters.get("audit.cdc.lag").timer();
        StringBuilder percentiles = new StringBuilder();
        for (ValueAtPercentile p : lag.takeSnapshot().percentileValues()) {
            percentiles.append(String.format(" p%.0f=%.1fms", p.percentile() * 100, p.value(TimeUnit.MILLISECONDS)));
        }
        log.info("BENCH latency commit->Kafka ack over {} batches:{} mean={}ms max={}ms", lag.count(), percentiles,
                String.format("%.1f", lag.mean(TimeUnit.MILLISECONDS)), String.format("%.1f", lag.max(TimeUnit.MILLISECONDS)));

        // optionally a backlog like the measured one first, so that the JIT has compiled the bulk path
        int warmup = Integer.getInteger("audit.bench.warmup", 0);
        if (warmup > 0) {
            double warmupStart = published();
            insertAgents(warmup);
            await().pollInterval(Duration.ofMillis(50)).atMost(Duration.ofMinutes(5)).until(() -> published() >= warmupStart + warmup);
            log.info("BENCH warm-up: {} row changes published", warmup);
        }
        // the audit log has caught up with the latency phase (and the snapshot, and the warm-up) before the backlog starts
        long auditedSoFar = (long) meters.get("audit.cdc.published").tag("kind", "audit").counter().count();
        await().atMost(Duration.ofMinutes(5)).until(() -> logged(sql) >= auditedSoFar);

        // throughput: 100,000 audited inserts committed in transactions of 1,000 rows, then drained
        int rows = Integer.getInteger("audit.bench.rows", 100_000);
        double start = published();
        long logStart = logged(sql);
        long batchesBefore = meters.get("audit.cdc.batch").timer().count();
        CpuSnapshot cpuBefore = CpuSnapshot.take();
        double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        long t0 = System.nanoTime();
        long insertCpu = insertAgents(rows);
        long committed = System.nanoTime();
        await().pollInterval(Duration.ofMillis(10)).atMost(Duration.ofMinutes(5)).until(() -> published() >= start + rows);
        long drained = System.nanoTime();
        await().pollInterval(Duration.ofMillis(10)).atMost(Duration.ofMinutes(5)).until(() -> logged(sql) >= logStart + rows);
        long inLog = System.nanoTime();
        CpuSnapshot cpuAfter = CpuSnapshot.take();

        log.info("BENCH throughput: {} row changes committed in {} ms, all published after {} ms: {} changes/s end to end "
                        + "({} engine batches)", rows, millis(committed - t0), millis(drained - t0), perSecond(rows, drained - t0),
                meters.get("audit.cdc.batch").timer().count() - batchesBefore);
        log.info("BENCH throughput to audit_log: all {} row changes in audit_log after {} ms: {} changes/s end to end "
                        + "(engine -> Kafka -> audit log)", rows, millis(inLog - t0), perSecond(rows, inLog - t0));
        cpuAfter.report(cpuBefore, rows, inLog - t0);
        log.info("BENCH cpu of the PostgreSQL backend that inserted the rows (part of the above, not of the path): {} s",
                String.format("%.1f", insertCpu / 1e9));
        // other work on the machine skews the figures: the load average says how busy it was
        log.info("BENCH machine: {} cores, load average {} before the throughput run, {} after",
                Runtime.getRuntime().availableProcessors(), String.format("%.2f", loadBefore),
                String.format("%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()));
        log.info("BENCH audit log appends: {} transactions for the {} entries",
                sql.sql("select count(distinct recorded_at) from audit_log where seq > ?").param(logStart)
                        .query(Long.class).single(), rows);
    }

    /**
     * Audited inserts into agents, committed in transactions of 1,000 rows, on a connection of their own; returns
     * the CPU its PostgreSQL backend used (-1 where /proc is not there), to tell it from the audit log's appends.
     */
    private static long insertAgents(int rows) throws java.sql.SQLException {
        try (Connection c = AuditWorkers.superuser(env).getConnection();
             PreparedStatement insert = c.prepareStatement("""
                     insert into agents (id, name, status, metadata, created_at, updated_at)
                     select gen_random_uuid(), 'bulk-' || g, 'ACTIVE', '{}'::jsonb, now(), now()
                     from generate_series(1, 1000) g""")) {
            long pid;
            try (var rs = c.createStatement().executeQuery("select pg_backend_pid()")) {
                rs.next();
                pid = rs.getLong(1);
            }
            for (int i = 0; i < rows / 1000; i++) {
                insert.executeUpdate();
            }
            try {
                return CpuSnapshot.ticks(pid, false) * 10_000_000L;
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }
    }

    private double published() {
        return meters.get("audit.cdc.published").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    /** Entries in the audit log: the chain head's seq (no holes), cheaper to poll than counting rows. */
    private static long logged(JdbcClient sql) {
        return sql.sql("select seq from audit_chain_head").query(Long.class).single();
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    private static long perSecond(long count, long nanos) {
        return (long) (count / (nanos / 1e9));
    }

    /** CPU time so far of this JVM (by thread group) and of the PostgreSQL server (postmaster and children). */
    private record CpuSnapshot(long processNanos, Map<Long, ThreadCpu> threads, long postgresNanos,
                               Map<Long, ThreadCpu> postgresProcesses, long gcMillis, long gcCount, long jitMillis,
                               Map<Long, ThreadCpu> tasks) {

        private record ThreadCpu(String group, long nanos) {
        }

        static CpuSnapshot take() {
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            Map<Long, ThreadCpu> threads = new HashMap<>();
            for (ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
                if (info == null) {
                    continue;
                }
                long cpu = mx.getThreadCpuTime(info.getThreadId());
                if (cpu >= 0) {
                    threads.put(info.getThreadId(), new ThreadCpu(group(info.getThreadName()), cpu));
                }
            }
            long process = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
            Map<Long, ThreadCpu> postgres = new HashMap<>();
            long gcMillis = 0;
            long gcCount = 0;
            for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
                gcMillis += Math.max(0, gc.getCollectionTime());
                gcCount += Math.max(0, gc.getCollectionCount());
            }
            var jit = ManagementFactory.getCompilationMXBean();
            long jitMillis = jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
            return new CpuSnapshot(process, threads, postgresCpuNanos(postgres), postgres, gcMillis, gcCount, jitMillis,
                    linuxTasks());
        }

        /** Every thread of this process as Linux sees it (VM threads included: JIT compilers, GC), by name. */
        private static Map<Long, ThreadCpu> linuxTasks() {
            Map<Long, ThreadCpu> tasks = new HashMap<>();
            try (var dirs = Files.list(Path.of("/proc/self/task"))) {
                for (Path dir : dirs.toList()) {
                    try {
                        String stat = Files.readString(dir.resolve("stat"));
                        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                        tasks.put(Long.parseLong(dir.getFileName().toString()), new ThreadCpu(name.replaceAll("\\d+", "#"),
                                ticks * 10_000_000L));
                    } catch (IOException | RuntimeException e) {
                        // the thread ended meanwhile
                    }
                }
            } catch (IOException | RuntimeException e) {
                return Map.of();
            }
            return tasks;
        }

        /** Thread names without their numbers, so that pools add up (but Debezium's pools stay apart). */
        private static String group(String name) {
            return name.startsWith("pool-") ? name : name.replaceAll("\\d+", "#");
        }

        void report(CpuSnapshot before, int changes, long wallNanos) {
            Map<String, Long> byGroup = new HashMap<>();
            threads.forEach((id, now) -> {
                ThreadCpu then = before.threads.get(id);
                long delta = now.nanos - (then == null ? 0 : then.nanos);
                byGroup.merge(now.group, delta, Long::sum);
            });
            long jvm = processNanos - before.processNanos;
            long pg = postgresNanos < 0 || before.postgresNanos < 0 ? -1 : postgresNanos - before.postgresNanos;
            log.info("BENCH cpu over the throughput run ({} s wall): JVM {} s ({} us/change, {} cores), PostgreSQL {} s "
                            + "({} us/change)", String.format("%.1f", wallNanos / 1e9), String.format("%.1f", jvm / 1e9),
                    jvm / 1000 / changes, String.format("%.2f", (double) jvm / wallNanos),
                    pg < 0 ? "?" : String.format("%.1f", pg / 1e9), pg < 0 ? "?" : pg / 1000 / changes);
            String top = byGroup.entrySet().stream()
                    .filter(e -> e.getValue() >= jvm / 100)
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .map(e -> String.format("%n  %5.1f%% %6.1f s  %s", 100.0 * e.getValue() / jvm, e.getValue() / 1e9, e.getKey()))
                    .collect(Collectors.joining());
            long listed = byGroup.values().stream().mapToLong(Long::longValue).sum();
            log.info("BENCH cpu by JVM thread group (>= 1% of the JVM's):{}\n  Java threads {} s in all; GC {} s "
                            + "({} collections, wall time), JIT compilation {} s; the rest is other VM threads",
                    top, String.format("%.1f", listed / 1e9), String.format("%.1f", (gcMillis - before.gcMillis) / 1e3),
                    gcCount - before.gcCount, String.format("%.1f", (jitMillis - before.jitMillis) / 1e3));
            Map<String, Long> vm = new HashMap<>();
            tasks.forEach((tid, now) -> {
                ThreadCpu then = before.tasks.get(tid);
                vm.merge(now.group, now.nanos - (then == null ? 0 : then.nanos), Long::sum);
            });
            log.info("BENCH cpu of VM threads (JIT compilers, GC, VM operations):{}", vm.entrySet().stream()
                    .filter(e -> e.getKey().startsWith("C# Compiler") || e.getKey().startsWith("VM ")
                            || e.getKey().startsWith("GC ") || e.getKey().startsWith("JFR") || e.getKey().startsWith("Sweeper"))
                    .filter(e -> e.getValue() > 0)
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .map(e -> String.format("%n  %6.1f s  %s", e.getValue() / 1e9, e.getKey()))
                    .collect(Collectors.joining()));
            Map<String, Long> pgByTitle = new HashMap<>();
            postgresProcesses.forEach((pid, now) -> {
                ThreadCpu then = before.postgresProcesses.get(pid);
                pgByTitle.merge(now.group, now.nanos - (then == null ? 0 : then.nanos), Long::sum);
            });
            log.info("BENCH cpu by PostgreSQL process (live ones):{}", pgByTitle.entrySet().stream()
                    .filter(e -> e.getValue() > 0)
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .map(e -> String.format("%n  %6.1f s  %s", e.getValue() / 1e9, e.getKey()))
                    .collect(Collectors.joining()));
        }

        /** utime + stime of the postmaster, its reaped children and its live children; -1 where /proc is not there. */
        private static long postgresCpuNanos(Map<Long, ThreadCpu> byProcess) {
            try {
                if (!(TestServers.postgres() instanceof PostgresServer server)) {
                    return -1;
                }
                long pid = Long.parseLong(Files.readAllLines(server.dataDirectory().resolve("postmaster.pid")).get(0).trim());
                long ticks = ticks(pid, true);
                for (ProcessHandle child : ProcessHandle.of(pid).map(p -> p.children().toList()).orElse(List.of())) {
                    long own = Math.max(0, ticks(child.pid(), false));
                    ticks += own;
                    byProcess.put(child.pid(), new ThreadCpu(title(child.pid()), own * 10_000_000L));
                }
                return ticks * 10_000_000L; // USER_HZ is 100 on Linux
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }

        /** The process title PostgreSQL sets ({@code postgres: walsender …}), without addresses and ports. */
        private static String title(long pid) {
            try {
                String cmdline = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")))
                        .replace('\0', ' ').trim();
                return cmdline.replaceAll("\\S*\\(\\d+\\)", "").replaceAll("\\s+", " ");
            } catch (IOException e) {
                return "?";
            }
        }

        private static long ticks(long pid, boolean withReapedChildren) throws IOException {
            Path stat = Path.of("/proc", Long.toString(pid), "stat");
            if (!Files.exists(stat)) {
                return 0;
            }
            String line = Files.readString(stat);
            // fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15, cutime 16, cstime 17
            String[] f = line.substring(line.lastIndexOf(')') + 2).split(" ");
            long t = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return withReapedChildren ? t + Long.parseLong(f[13]) + Long.parseLong(f[14]) : t;
        }
    }
}
