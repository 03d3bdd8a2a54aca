package org.agentplatform.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where each service's CPU went: every service runs with a JDK Flight Recorder recording ({@link #jvmOption}, the
 * {@code profile} settings: a Java stack sample of each running thread every 10 ms), written when it stops. This
 * reads the execution samples of the measured steps back (streamed, not loaded whole) and names, per service, its hottest threads (thread
 * names with their numbers folded, so a pool is one line) and, for each, the methods on top of the stack most often
 * (where the CPU is spent) and the platform's own frame nearest the top (which of our code got there).
 */
final class Profiles {

    static final String SERVICE = "{service}";
    private static final int THREADS = 4;
    private static final int FRAMES = 3;

    private Profiles() {
    }

    /** The JVM option that records a service into {@code dir}/{@code <module>}.jfr ({@link #SERVICE} is replaced). */
    static String jvmOption(Path dir) {
        return "-XX:StartFlightRecording=settings=profile,dumponexit=true,filename="
                + dir.toAbsolutePath().resolve(SERVICE + ".jfr");
    }

    record Frame(String method, double share) {
    }

    record HotThread(String thread, long samples, double share, List<Frame> topOfStack, List<Frame> ownCode) {
    }

    record Profile(String service, long samples, List<HotThread> threads) {
    }

    /** The recordings in {@code dir}, one per service, by file name: their samples from {@code from} to {@code to}. */
    static List<Profile> read(Path dir, Instant from, Instant to) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> recordings = files.filter(p -> p.toString().endsWith(".jfr")).sorted().toList();
            List<Profile> profiles = new ArrayList<>();
            for (Path p : recordings) {
                profiles.add(read(p.getFileName().toString().replace(".jfr", ""), p, from, to));
            }
            return profiles;
        }
    }

    /** A service's samples between {@code from} and {@code to}: the steps, not the start-up or the baselines. */
    static Profile read(String service, Path recording, Instant from, Instant to) throws IOException {
        Map<String, Long> perThread = new HashMap<>();
        Map<String, Map<String, Long>> top = new HashMap<>();
        Map<String, Map<String, Long>> own = new HashMap<>();
        long total = 0;
        try (RecordingFile file = new RecordingFile(recording)) {
            while (file.hasMoreEvents()) {
                RecordedEvent e = file.readEvent();
                if (!e.getEventType().getName().equals("jdk.ExecutionSample") || e.getStartTime().isBefore(from)
                        || e.getStartTime().isAfter(to)) {
                    continue;
                }
                RecordedStackTrace stack = e.getStackTrace();
                RecordedThread thread = e.getThread("sampledThread");
                if (stack == null || stack.getFrames().isEmpty() || thread == null) {
                    continue;
                }
                String name = fold(thread.getJavaName() != null ? thread.getJavaName() : thread.getOSName());
                total++;
                perThread.merge(name, 1L, Long::sum);
                top.computeIfAbsent(name, k -> new HashMap<>()).merge(method(stack.getFrames().get(0)), 1L, Long::sum);
                for (RecordedFrame f : stack.getFrames()) {
                    if (f.isJavaFrame() && f.getMethod().getType().getName().startsWith("org.agentplatform.")) {
                        own.computeIfAbsent(name, k -> new HashMap<>()).merge(method(f), 1L, Long::sum);
                        break;
                    }
                }
            }
        }
        long all = total;
        List<HotThread> threads = perThread.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(THREADS)
                .map(t -> new HotThread(t.getKey(), t.getValue(), (double) t.getValue() / all,
                        frames(top.getOrDefault(t.getKey(), Map.of()), t.getValue()), frames(own.getOrDefault(t.getKey(), Map.of()), t.getValue())))
                .toList();
        return new Profile(service, total, threads);
    }

    private static List<Frame> frames(Map<String, Long> counts, long of) {
        return counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()
                        .thenComparing(Map.Entry.comparingByKey(Comparator.naturalOrder())))
                .limit(FRAMES).map(f -> new Frame(f.getKey(), (double) f.getValue() / of)).toList();
    }

    private static String method(RecordedFrame f) {
        String type = f.getMethod().getType().getName();
        return type.substring(type.lastIndexOf('.') + 1) + "." + f.getMethod().getName();
    }

    /** A pool's threads as one name: {@code http-nio-8083-exec-7} and {@code -exec-12} are {@code http-nio-#-exec-#}. */
    static String fold(String threadName) {
        return threadName.replaceAll("\\d+", "#");
    }

    /** The report's section: per service, its hottest threads with their share of its samples and their frames. */
    static String markdown(List<Profile> profiles) {
        StringBuilder s = new StringBuilder();
        for (Profile p : profiles) {
            s.append(String.format("%n**%s** (%,d samples):%n%n| thread | share | top of stack | nearest platform frame |%n"
                    + "|---|---:|---|---|%n", p.service(), p.samples()));
            for (HotThread t : p.threads()) {
                s.append(String.format("| %s | %.0f%% | %s | %s |%n", t.thread().replace("|", "\\|"), 100 * t.share(),
                        join(t.topOfStack()), join(t.ownCode())));
            }
        }
        return s.toString();
    }

    private static String join(List<Frame> frames) {
        if (frames.isEmpty()) {
            return "–";
        }
        StringBuilder s = new StringBuilder();
        for (Frame f : frames) {
            s.append(s.isEmpty() ? "" : "; ").append('`').append(f.method()).append('`')
                    .append(String.format(" %.0f%%", 100 * f.share()));
        }
        return s.toString();
    }
}
