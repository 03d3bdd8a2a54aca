package org.agentplatform.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The fields of a Linux {@code /proc/<pid>/stat} (or {@code /proc/<pid>/task/<tid>/stat}) line that the
 * benchmarks and the process supervision read; the one parser of that format here.
 *
 * @param name                 the command name, as the kernel keeps it (15 characters at most)
 * @param startTicks           start time in ticks since boot: with the pid, tells a process from a later one
 *                             that reuses its pid
 * @param ticks                CPU so far, utime + stime
 * @param reapedChildrenTicks  CPU of its children that ended and were waited for, cutime + cstime
 */
public record ProcStat(long pid, String name, long ppid, long startTicks, long ticks, long reapedChildrenTicks) {

    /** USER_HZ on Linux: /proc counts CPU in ticks of 10 ms. */
    public static final long NANOS_PER_TICK = 10_000_000L;

    /** Empty if the process is gone or the line cannot be read (never a zero, which would read as time going back). */
    public static Optional<ProcStat> read(Path statFile) {
        try {
            String s = Files.readString(statFile);
            int open = s.indexOf('(');
            int close = s.lastIndexOf(')'); // the name may hold spaces and parentheses
            String[] f = s.substring(close + 2).split(" "); // f[0] is field 3, the state
            return Optional.of(new ProcStat(Long.parseLong(s.substring(0, open).trim()), s.substring(open + 1, close),
                    Long.parseLong(f[1]), Long.parseLong(f[19]), Long.parseLong(f[11]) + Long.parseLong(f[12]),
                    Long.parseLong(f[13]) + Long.parseLong(f[14])));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    public static Optional<ProcStat> of(long pid) {
        return read(statFile(pid));
    }

    /** The state letter (field 3: R, S, D, Z for a zombie, X for dead...), or empty if the process is gone. */
    public static Optional<Character> stateOf(long pid) {
        try {
            String s = Files.readString(statFile(pid));
            int close = s.lastIndexOf(')');
            return close > 0 && close + 2 < s.length() ? Optional.of(s.charAt(close + 2)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Path statFile(long pid) {
        return Path.of("/proc", Long.toString(pid), "stat");
    }
}
