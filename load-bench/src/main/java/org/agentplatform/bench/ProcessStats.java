package org.agentplatform.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU and memory of every process of the run, from /proc (Linux only): the benchmark's own JVM (the load
 * generator), each service and broker JVM, and PostgreSQL as the tree under its postmaster. Memory is RSS for the
 * JVMs and the sum of PSS for PostgreSQL (shared buffers split across backends, not counted once per backend).
 */
final class ProcessStats {

    static final String BENCH = "load generator";
    static final String POSTGRES = "postgres";

    private static final double TICKS_PER_SECOND = 100.0; // USER_HZ on Linux

    private final Map<String, Long> jvms = new LinkedHashMap<>();
    private final long postmasterPid;

    ProcessStats(Path postgresDataDir, List<ChildProcess> processes) {
        this.postmasterPid = postmaster(postgresDataDir);
        jvms.put(BENCH, ProcessHandle.current().pid());
        processes.forEach(p -> jvms.put(p.name(), p.pid()));
    }

    /** Process names in report order: the system's JVMs, PostgreSQL, then the generator. */
    List<String> names() {
        return Stream.concat(Stream.concat(jvms.keySet().stream().filter(n -> !n.equals(BENCH)), Stream.of(POSTGRES)),
                Stream.of(BENCH)).toList();
    }

    /**
     * @param jitSeconds CPU of each JVM's JIT compiler threads: in a JVM that has just started, compiling its
     *                   hot paths is a large part of its CPU, which says how far a figure is from steady state
     */
    record Snapshot(long nanos, Map<String, Double> cpuSeconds, Map<String, Double> jitSeconds,
                    Map<String, Long> memoryBytes, long machineBusyTicks, long machineTotalTicks) {

        /** CPU use of each process between two snapshots, in cores (1.0 = one core busy). */
        Map<String, Double> cores(Snapshot earlier) {
            return rates(cpuSeconds, earlier.cpuSeconds, earlier);
        }

        /** CPU use of each JVM's JIT compilers between two snapshots, in cores. */
        Map<String, Double> jitCores(Snapshot earlier) {
            return rates(jitSeconds, earlier.jitSeconds, earlier);
        }

        private Map<String, Double> rates(Map<String, Double> now, Map<String, Double> then, Snapshot earlier) {
            double seconds = Math.max(1e-9, (nanos - earlier.nanos) / 1e9);
            Map<String, Double> cores = new LinkedHashMap<>();
            now.forEach((name, cpu) -> cores.put(name, Math.max(0, cpu - then.getOrDefault(name, cpu)) / seconds));
            return cores;
        }

        /** Whole machine, in cores: includes anything else running on it. */
        double machineCores(Snapshot earlier) {
            long total = machineTotalTicks - earlier.machineTotalTicks;
            return total <= 0 ? 0 : (double) (machineBusyTicks - earlier.machineBusyTicks) / total
                    * Runtime.getRuntime().availableProcessors();
        }
    }

    Snapshot snapshot() {
        Map<String, Double> cpu = new LinkedHashMap<>();
        Map<String, Double> jit = new LinkedHashMap<>();
        Map<String, Long> memory = new LinkedHashMap<>();
        jvms.forEach((name, pid) -> {
            cpu.put(name, cpuTicks(Path.of("/proc/" + pid + "/stat"), false)[0] / TICKS_PER_SECOND);
            jit.put(name, jitTicks(pid) / TICKS_PER_SECOND);
            memory.put(name, kb("/proc/" + pid + "/status", "VmRSS:") * 1024);
        });
        double pgCpu = 0;
        long pgPss = 0;
        if (postmasterPid > 0) {
            pgCpu += cpuTicks(Path.of("/proc/" + postmasterPid + "/stat"), true)[0]; // + reaped children
            pgPss += pss(postmasterPid);
            try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
                for (Path p : procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                    long[] t = cpuTicks(p.resolve("stat"), false);
                    if (t[1] == postmasterPid) {
                        pgCpu += t[0];
                        pgPss += pss(Long.parseLong(p.getFileName().toString()));
                    }
                }
            } catch (IOException e) {
                // a process list that cannot be read leaves PostgreSQL's figures at what was found
            }
        }
        cpu.put(POSTGRES, pgCpu / TICKS_PER_SECOND);
        memory.put(POSTGRES, pgPss);
        long[] machine = machineTicks();
        return new Snapshot(System.nanoTime(), cpu, jit, memory, machine[0], machine[1]);
    }

    /**
     * CPU of the live "C1/C2 CompilerThread" threads of a JVM. HotSpot stops idle compiler threads it added, and
     * their time then leaves this sum: a lower bound.
     */
    private static long jitTicks(long pid) {
        long ticks = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks.toList()) {
                String comm;
                try {
                    comm = Files.readString(task.resolve("comm")).trim();
                } catch (IOException e) {
                    continue; // the thread ended
                }
                if (comm.startsWith("C1 CompilerThre") || comm.startsWith("C2 CompilerThre")) {
                    ticks += cpuTicks(task.resolve("stat"), false)[0];
                }
            }
        } catch (IOException e) {
            // the process is gone
        }
        return ticks;
    }

    /** [utime+stime (+cutime+cstime), ppid]; zeros if the process is gone. */
    private static long[] cpuTicks(Path stat, boolean withChildren) {
        try {
            String s = Files.readString(stat);
            String[] f = s.substring(s.lastIndexOf(')') + 2).split(" "); // f[0] is field 3 (state)
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            if (withChildren) {
                ticks += Long.parseLong(f[13]) + Long.parseLong(f[14]);
            }
            return new long[] {ticks, Long.parseLong(f[1])};
        } catch (IOException | RuntimeException e) {
            return new long[] {0, -1};
        }
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
