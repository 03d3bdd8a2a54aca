package org.agentplatform.embedded;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * CPU time so far of this JVM (by Java thread group and by Linux task, so JIT compiler and GC threads count
 * too) and of the PostgreSQL server of {@link TestServers} (postmaster and children), for the benchmarks
 * that report core-µs per unit of work. Take one before and one after, then {@link #since(CpuUsage)}.
 */
public final class CpuUsage {

    private static final long NANOS_PER_TICK = ProcStat.NANOS_PER_TICK;

    private final long processNanos;
    private final Map<Long, Named> threads;
    private final long postgresNanos;
    private final Map<Long, Named> postgresProcesses;
    private final long gcMillis;
    private final long gcCount;
    private final Map<Long, Named> tasks;

    private record Named(String group, long nanos) {
    }

    private CpuUsage(long processNanos, Map<Long, Named> threads, long postgresNanos, Map<Long, Named> postgresProcesses,
                     long gcMillis, long gcCount, Map<Long, Named> tasks) {
        this.processNanos = processNanos;
        this.threads = threads;
        this.postgresNanos = postgresNanos;
        this.postgresProcesses = postgresProcesses;
        this.gcMillis = gcMillis;
        this.gcCount = gcCount;
        this.tasks = tasks;
    }

    public static CpuUsage take() {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Map<Long, Named> threads = new HashMap<>();
        for (ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long cpu = mx.getThreadCpuTime(info.getThreadId());
            if (cpu >= 0) {
                threads.put(info.getThreadId(), new Named(group(info.getThreadName()), cpu));
            }
        }
        long process = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
        long gcMillis = 0;
        long gcCount = 0;
        for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            gcMillis += Math.max(0, gc.getCollectionTime());
            gcCount += Math.max(0, gc.getCollectionCount());
        }
        Map<Long, Named> postgres = new HashMap<>();
        return new CpuUsage(process, threads, postgresCpuNanos(postgres), postgres, gcMillis, gcCount, linuxTasks());
    }

    /** What was used between {@code before} and this snapshot. */
    public Interval since(CpuUsage before) {
        Map<String, Long> byGroup = new HashMap<>();
        threads.forEach((id, now) -> {
            Named then = before.threads.get(id);
            byGroup.merge(now.group, now.nanos - (then == null ? 0 : then.nanos), Long::sum);
        });
        Map<String, Long> vm = new HashMap<>();
        tasks.forEach((tid, now) -> {
            Named then = before.tasks.get(tid);
            vm.merge(now.group, now.nanos - (then == null ? 0 : then.nanos), Long::sum);
        });
        Map<String, Long> pgByTitle = new HashMap<>();
        postgresProcesses.forEach((pid, now) -> {
            Named then = before.postgresProcesses.get(pid);
            pgByTitle.merge(now.group, now.nanos - (then == null ? 0 : then.nanos), Long::sum);
        });
        long pg = postgresNanos < 0 || before.postgresNanos < 0 ? -1 : postgresNanos - before.postgresNanos;
        long compiler = vm.entrySet().stream().filter(e -> e.getKey().startsWith("C# Compiler"))
                .mapToLong(Map.Entry::getValue).sum();
        return new Interval(processNanos - before.processNanos, pg, compiler, gcMillis - before.gcMillis,
                gcCount - before.gcCount, Map.copyOf(byGroup), Map.copyOf(vm), Map.copyOf(pgByTitle));
    }

    /**
     * CPU over an interval, in nanoseconds.
     *
     * @param jvmNanos      this whole process
     * @param postgresNanos the PostgreSQL server, -1 where it cannot be read (a container, no /proc)
     * @param compilerNanos the JIT compiler threads (part of {@code jvmNanos})
     * @param byThreadGroup Java threads by name without their numbers (so that pools add up)
     */
    public record Interval(long jvmNanos, long postgresNanos, long compilerNanos, long gcMillis, long gcCount,
                           Map<String, Long> byThreadGroup, Map<String, Long> byLinuxTask, Map<String, Long> postgresByProcess) {

        /** CPU of the Java threads whose group name matches, e.g. the client threads of a benchmark to leave out. */
        public long threadsMatching(java.util.function.Predicate<String> group) {
            return byThreadGroup.entrySet().stream().filter(e -> group.test(e.getKey())).mapToLong(Map.Entry::getValue).sum();
        }

        /** The lines a benchmark prints: totals per unit of work, the top thread groups, VM and PostgreSQL processes. */
        public String describe(long units, String unit, long wallNanos) {
            StringBuilder out = new StringBuilder();
            out.append(String.format("cpu over %.1f s wall: JVM %.1f s (%d core-us/%s, %.2f cores), PostgreSQL %s",
                    wallNanos / 1e9, jvmNanos / 1e9, jvmNanos / 1000 / units, unit, (double) jvmNanos / wallNanos,
                    postgresNanos < 0 ? "?" : String.format("%.1f s (%d core-us/%s)", postgresNanos / 1e9,
                            postgresNanos / 1000 / units, unit)));
            long listed = byThreadGroup.values().stream().mapToLong(Long::longValue).sum();
            out.append("\n cpu by JVM thread group (>= 1% of the JVM's):").append(top(byThreadGroup, jvmNanos / 100, true));
            out.append(String.format("%n  Java threads %.1f s in all; GC %.1f s (%d collections, wall time); the rest is "
                    + "VM threads", listed / 1e9, gcMillis / 1e3, gcCount));
            Map<String, Long> vm = byLinuxTask.entrySet().stream()
                    .filter(e -> e.getKey().startsWith("C# Compiler") || e.getKey().startsWith("VM ")
                            || e.getKey().startsWith("GC ") || e.getKey().startsWith("JFR") || e.getKey().startsWith("Sweeper"))
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
            out.append("\n cpu of VM threads (JIT compilers, GC, VM operations):").append(top(vm, 1, false));
            out.append("\n cpu by PostgreSQL process (live ones):").append(top(postgresByProcess, 1, false));
            return out.toString();
        }

        private String top(Map<String, Long> nanos, long atLeast, boolean share) {
            return nanos.entrySet().stream()
                    .filter(e -> e.getValue() >= atLeast)
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .map(e -> share ? String.format("%n  %5.1f%% %6.1f s  %s", 100.0 * e.getValue() / jvmNanos, e.getValue() / 1e9, e.getKey())
                            : String.format("%n  %6.1f s  %s", e.getValue() / 1e9, e.getKey()))
                    .collect(Collectors.joining());
        }
    }

    /** CPU so far of a process (its utime + stime), in nanoseconds; -1 where /proc is not there. */
    public static long processNanos(long pid) {
        return ProcStat.of(pid).map(p -> p.ticks() * NANOS_PER_TICK).orElse(-1L);
    }

    /** Every thread of this process as Linux sees it (VM threads included: JIT compilers, GC), by name. */
    private static Map<Long, Named> linuxTasks() {
        Map<Long, Named> tasks = new HashMap<>();
        try (var dirs = Files.list(Path.of("/proc/self/task"))) {
            for (Path dir : dirs.toList()) {
                // a thread that ended meanwhile has no line
                ProcStat.read(dir.resolve("stat")).ifPresent(t -> tasks.put(t.pid(),
                        new Named(t.name().replaceAll("\\d+", "#"), t.ticks() * NANOS_PER_TICK)));
            }
        } catch (IOException | RuntimeException e) {
            return Map.of();
        }
        return tasks;
    }

    /** Thread names without their numbers, so that pools add up (but Debezium's {@code pool-N} pools stay apart). */
    private static String group(String name) {
        return name.startsWith("pool-") ? name : name.replaceAll("\\d+", "#");
    }

    /**
     * utime + stime of the postmaster, its reaped children and its live children; -1 where /proc is not there. The
     * reaped children count here (unlike in a per-second rate, where one would bring its whole life into a single
     * sample): over a benchmark's interval, the CPU of a backend or autovacuum worker that ended in it is that work's.
     */
    private static long postgresCpuNanos(Map<Long, Named> byProcess) {
        try {
            if (!(TestServers.postgres() instanceof PostgresServer server)) {
                return -1;
            }
            long pid = Long.parseLong(Files.readAllLines(server.dataDirectory().resolve("postmaster.pid")).get(0).trim());
            Optional<ProcStat> postmaster = ProcStat.of(pid);
            if (postmaster.isEmpty()) {
                return -1;
            }
            long ticks = postmaster.get().ticks() + postmaster.get().reapedChildrenTicks();
            for (ProcessHandle child : ProcessHandle.of(pid).map(p -> p.children().toList()).orElse(List.of())) {
                long own = ProcStat.of(child.pid()).map(ProcStat::ticks).orElse(0L);
                ticks += own;
                byProcess.put(child.pid(), new Named(title(child.pid()), own * NANOS_PER_TICK));
            }
            return ticks * NANOS_PER_TICK;
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
}
