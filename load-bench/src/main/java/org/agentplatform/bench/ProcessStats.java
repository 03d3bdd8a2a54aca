package org.agentplatform.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.agentplatform.embedded.ProcStat;
import org.jspecify.annotations.Nullable;

/**
 * CPU and memory of every process of the run, from /proc (Linux only): the benchmark's own JVM (the load
 * generator), each service and broker JVM, and PostgreSQL as its postmaster with the backends under it. Memory is
 * RSS for the JVMs and the sum of PSS for PostgreSQL (shared buffers split across backends, not counted once per
 * backend).
 *
 * <p>CPU is counted per process identity (pid and start time: pids are reused): a rate over an interval only
 * counts CPU of processes seen at both of its ends. A process that started, restarted or vanished inside the
 * interval has no known share of it; counting its whole lifetime CPU there, or a delta from zero, is what put
 * tens of cores on a one-second sample. So PostgreSQL's figure is the postmaster and the backends alive at both
 * ends: a connection shorter than an interval (such as this sampler's own, unpooled) is not in it.
 */
final class ProcessStats {

    static final String BENCH = "load generator";
    static final String POSTGRES = "postgres";

    static final double TICKS_PER_SECOND = 1e9 / ProcStat.NANOS_PER_TICK;

    /** A process or thread told apart from a later one with the same pid by its start time (ticks since boot). */
    record Proc(long pid, long startTicks) {
    }

    /**
     * Cumulative CPU ticks (utime + stime) of the members of one named process, read at {@code nanos}: a JVM alone,
     * a JVM's compiler threads, or PostgreSQL's postmaster and backends. {@code root} is the process the name
     * stands for; when it is gone or another process holds its pid, there is no reading.
     */
    record Reading(Proc root, long nanos, Map<Proc, Long> ticks) {
    }

    /** CPU of each named process over an interval, in cores; {@code impossible}: rates outside [0, cores], dropped. */
    record Rates(Map<String, Double> cores, Map<String, Double> impossible) {
        static final Rates NONE = new Rates(Map.of(), Map.of());
    }

    private final Map<String, Proc> jvms = new LinkedHashMap<>();
    private final Proc postmaster;

    ProcessStats(Path postgresDataDir, List<ChildProcess> processes) {
        this.postmaster = identify(postmaster(postgresDataDir));
        jvms.put(BENCH, identify(ProcessHandle.current().pid()));
        processes.forEach(p -> jvms.put(p.name(), identify(p.pid())));
    }

    /** Process names in report order: the system's JVMs, PostgreSQL, then the generator. */
    List<String> names() {
        return Stream.concat(Stream.concat(jvms.keySet().stream().filter(n -> !n.equals(BENCH)), Stream.of(POSTGRES)),
                Stream.of(BENCH)).toList();
    }

    /**
     * @param jit CPU of each JVM's JIT compiler threads: in a JVM that has just started, compiling its hot paths
     *            is a large part of its CPU, which says how far a figure is from steady state
     */
    record Snapshot(long nanos, Map<String, Reading> cpu, Map<String, Reading> jit, Map<String, Long> memoryBytes,
                    long machineBusyTicks, long machineTotalTicks) {

        /** CPU use of each process between two snapshots, in cores (1.0 = one core busy). */
        Rates cores(Snapshot earlier) {
            return cores(earlier, Runtime.getRuntime().availableProcessors());
        }

        Rates cores(Snapshot earlier, int processors) {
            return rates(earlier.cpu, cpu, processors);
        }

        /** CPU use of each JVM's JIT compilers between two snapshots, in cores. */
        Rates jitCores(Snapshot earlier) {
            return rates(earlier.jit, jit, Runtime.getRuntime().availableProcessors());
        }

        /** Whole machine, in cores: includes anything else running on it. */
        double machineCores(Snapshot earlier) {
            long total = machineTotalTicks - earlier.machineTotalTicks;
            return total <= 0 ? 0 : (double) (machineBusyTicks - earlier.machineBusyTicks) / total
                    * Runtime.getRuntime().availableProcessors();
        }
    }

    /**
     * Each name's CPU between two readings of the same root process: the ticks of the members seen at both ends,
     * over the time between the readings. No rate for a name whose root is new since {@code then} (its first
     * reading, or a restart with a new pid or start time). A rate above the core count cannot happen: it comes of
     * a bad read, and is dropped rather than clamped, since no value near the truth is known.
     */
    static Rates rates(Map<String, Reading> then, Map<String, Reading> now, int processors) {
        Map<String, Double> cores = new LinkedHashMap<>();
        Map<String, Double> impossible = new LinkedHashMap<>();
        now.forEach((name, reading) -> {
            Reading earlier = then.get(name);
            if (earlier == null || !earlier.root().equals(reading.root()) || reading.nanos() <= earlier.nanos()) {
                return;
            }
            long ticks = 0;
            for (Map.Entry<Proc, Long> member : reading.ticks().entrySet()) {
                Long before = earlier.ticks().get(member.getKey());
                if (before != null) {
                    ticks += member.getValue() - before;
                }
            }
            double rate = ticks / TICKS_PER_SECOND / ((reading.nanos() - earlier.nanos()) / 1e9);
            (rate < 0 || rate > processors ? impossible : cores).put(name, rate);
        });
        return new Rates(cores, impossible);
    }

    Snapshot snapshot() {
        long nanos = System.nanoTime();
        Map<String, Reading> cpu = new LinkedHashMap<>();
        Map<String, Reading> jit = new LinkedHashMap<>();
        Map<String, Long> memory = new LinkedHashMap<>();
        jvms.forEach((name, proc) -> {
            long readAt = System.nanoTime();
            ProcStat s = ProcStat.of(proc.pid()).orElse(null);
            if (s == null || !proc(s).equals(proc)) {
                return; // gone, or its pid reused by another process
            }
            cpu.put(name, new Reading(proc, readAt, Map.of(proc, s.ticks())));
            jit.put(name, new Reading(proc, readAt, compilerThreads(proc.pid())));
            memory.put(name, kb("/proc/" + proc.pid() + "/status", "VmRSS:") * 1024);
        });
        Reading pg = postgres();
        if (pg != null) {
            cpu.put(POSTGRES, pg);
            memory.put(POSTGRES, pg.ticks().keySet().stream().mapToLong(p -> pss(p.pid())).sum());
        }
        long[] machine = machineTicks();
        return new Snapshot(nanos, cpu, jit, memory, machine[0], machine[1]);
    }

    /**
     * The postmaster's own CPU and that of its children. Not the postmaster's cutime: it grows by a backend's whole
     * lifetime CPU at the moment the backend is reaped, which is the spike this class avoids.
     */
    private @Nullable Reading postgres() {
        if (postmaster.startTicks() < 0) {
            return null; // no postmaster.pid was found
        }
        long from = System.nanoTime();
        ProcStat pm = ProcStat.of(postmaster.pid()).orElse(null);
        if (pm == null || !proc(pm).equals(postmaster)) {
            return null;
        }
        Map<Proc, Long> ticks = new HashMap<>();
        ticks.put(postmaster, pm.ticks());
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                ProcStat.read(p.resolve("stat")).filter(s -> s.ppid() == postmaster.pid())
                        .ifPresent(s -> ticks.put(proc(s), s.ticks()));
            }
        } catch (IOException e) {
            // a process list that cannot be read leaves PostgreSQL's figures at what was found
        }
        // the members were read over the scan: its middle is the reading's time
        return new Reading(postmaster, (from + System.nanoTime()) / 2, ticks);
    }

    /**
     * CPU of the live "C1/C2 CompilerThread" threads of a JVM, by thread. HotSpot stops idle compiler threads it
     * added, and their time then leaves the figure: a lower bound.
     */
    private static Map<Proc, Long> compilerThreads(long pid) {
        Map<Proc, Long> ticks = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                // a thread that ended meanwhile has no line
                ProcStat.read(task.resolve("stat"))
                        .filter(s -> s.name().startsWith("C1 CompilerThre") || s.name().startsWith("C2 CompilerThre"))
                        .ifPresent(s -> ticks.put(proc(s), s.ticks()));
            }
        } catch (IOException e) {
            // the process is gone
        }
        return ticks;
    }

    private static Proc proc(ProcStat s) {
        return new Proc(s.pid(), s.startTicks());
    }

    /** The process with this pid now; a start time of -1 (matching no reading) if there is none. */
    private static Proc identify(long pid) {
        return ProcStat.of(pid).map(ProcessStats::proc).orElse(new Proc(pid, -1));
    }

    private static long pss(long pid) {
        return kb("/proc/" + pid + "/smaps_rollup", "Pss:") * 1024;
    }

    private static long kb(String file, String key) {
        try {
            for (String line : Files.readAllLines(Path.of(file))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone or unreadable
        }
        return 0;
    }

    private static long[] machineTicks() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < f.length; i++) {
                total += Long.parseLong(f[i]);
            }
            long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            return new long[] {total - idle, total};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, 0};
        }
    }

    private static long postmaster(Path dataDir) {
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve("postmaster.pid"));
            return Long.parseLong(lines.get(0).trim());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
