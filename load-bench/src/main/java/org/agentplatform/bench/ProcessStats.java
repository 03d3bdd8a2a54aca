package org.agentplatform.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * CPU and memory from /proc (Linux only). Everything Java runs in this one JVM (broker, workers, ingest,
 * generator); PostgreSQL is a separate process tree, measured from its postmaster. Memory of PostgreSQL is the
 * sum of PSS (shared buffers split across backends, so not counted once per backend).
 */
final class ProcessStats {

    private static final double TICKS_PER_SECOND = 100.0; // USER_HZ on Linux

    private final long postmasterPid;

    ProcessStats(Path postgresDataDir) {
        this.postmasterPid = postmaster(postgresDataDir);
    }

    record Snapshot(long nanos, double jvmCpuSeconds, long jvmRssBytes, double pgCpuSeconds, long pgPssBytes,
                    long machineBusyTicks, long machineTotalTicks) {

        /** CPU use between two snapshots, in cores (1.0 = one core busy). */
        double jvmCores(Snapshot earlier) {
            return (jvmCpuSeconds - earlier.jvmCpuSeconds) / seconds(earlier);
        }

        double pgCores(Snapshot earlier) {
            return (pgCpuSeconds - earlier.pgCpuSeconds) / seconds(earlier);
        }

        /** Whole machine, in cores: shows what other jobs on the box were using too. */
        double machineCores(Snapshot earlier) {
            long total = machineTotalTicks - earlier.machineTotalTicks;
            return total <= 0 ? 0 : (double) (machineBusyTicks - earlier.machineBusyTicks) / total
                    * Runtime.getRuntime().availableProcessors();
        }

        private double seconds(Snapshot earlier) {
            return Math.max(1e-9, (nanos - earlier.nanos) / 1e9);
        }
    }

    Snapshot snapshot() {
        long[] self = cpuTicks(Path.of("/proc/self/stat"), false);
        double pgCpu = 0;
        long pgPss = 0;
        if (postmasterPid > 0) {
            long[] pm = cpuTicks(Path.of("/proc/" + postmasterPid + "/stat"), true); // + reaped children
            pgCpu += pm[0];
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
        long[] machine = machineTicks();
        return new Snapshot(System.nanoTime(), self[0] / TICKS_PER_SECOND, statusKb("/proc/self/status", "VmRSS:") * 1024,
                pgCpu / TICKS_PER_SECOND, pgPss, machine[0], machine[1]);
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
        return statusKb("/proc/" + pid + "/smaps_rollup", "Pss:") * 1024;
    }

    private static long statusKb(String file, String key) {
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
