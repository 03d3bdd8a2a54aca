package org.agentplatform.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One service of the measured system in a JVM of its own, with its own heap bound, so that its CPU and memory
 * can be told apart from the others' and from the load generator's. Output goes to a log file in the run's
 * work directory (kept in the report folder when a process fails to start).
 */
public final class ChildProcess implements AutoCloseable {

    /** Heap bound of every service in the benchmark. */
    public static final String HEAP = "-Xmx512m";

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final Process process;
    private final Path log;

    private ChildProcess(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** {@code java -Xmx512m <jvmArgs> -jar <jar> <args>} */
    public static ChildProcess jar(String name, Path jar, List<String> jvmArgs, List<String> args, Path logDir) throws IOException {
        List<String> command = new ArrayList<>(List.of(java(), HEAP, "-XX:+ExitOnOutOfMemoryError"));
        command.addAll(jvmArgs);
        command.add("-jar");
        command.add(jar.toAbsolutePath().toString());
        command.addAll(args);
        return start(name, command, logDir);
    }

    /** A main class of this benchmark's own class path, in a JVM of its own. */
    public static ChildProcess main(String name, Class<?> main, List<String> args, Path logDir) throws IOException {
        return main(name, main, List.of(), args, logDir);
    }

    /** As {@link #main(String, Class, List, Path)}, with JVM options after the heap bound (a later -Xmx wins). */
    public static ChildProcess main(String name, Class<?> main, List<String> jvmArgs, List<String> args, Path logDir)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(java(), HEAP, "-XX:+ExitOnOutOfMemoryError"));
        command.addAll(jvmArgs);
        String classPath = System.getProperty("java.class.path");
        if (classPath.endsWith(".jar") && !classPath.contains(java.io.File.pathSeparator)) {
            // running from the executable jar: its launcher takes the main class from loader.main
            command.addAll(List.of("-Dloader.main=" + main.getName(), "-cp", Path.of(classPath).toAbsolutePath().toString(),
                    "org.springframework.boot.loader.launch.PropertiesLauncher"));
        } else {
            command.addAll(List.of("-cp", classPath, main.getName()));
        }
        command.addAll(args);
        return start(name, command, logDir);
    }

    private static ChildProcess start(String name, List<String> command, Path logDir) throws IOException {
        Files.createDirectories(logDir);
        Path log = logDir.resolve(name + ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new ChildProcess(name, process, log);
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    /** Waits until the log has a line matching {@code pattern}; returns its first group. */
    public String awaitLine(Pattern pattern, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (String line : Files.readAllLines(log)) {
                Matcher m = pattern.matcher(line);
                if (m.find()) {
                    return m.groupCount() > 0 ? m.group(1) : line;
                }
            }
            failIfDead();
            Thread.sleep(100);
        }
        throw new IllegalStateException(name + " did not print " + pattern + " within " + timeout + "; see " + log);
    }

    /** Waits until {@code url} answers 200 (a readiness probe). */
    public void awaitReady(String url, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (isReady(url)) {
                return;
            }
            failIfDead();
            Thread.sleep(200);
        }
        throw new IllegalStateException(name + " was not ready at " + url + " within " + timeout + "; see " + log);
    }

    private void failIfDead() {
        if (!process.isAlive()) {
            throw new IllegalStateException(name + " exited with " + process.exitValue() + " while starting; see " + log);
        }
    }

    /** One readiness probe: whether the process runs and {@code url} answers 200 now (within 2 s). */
    public boolean isReady(String url) throws InterruptedException {
        if (!process.isAlive()) {
            return false;
        }
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false; // not listening (yet)
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** {@code kill -9}: no shutdown hook runs, nothing is flushed; returns once the process is gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " (pid " + process.pid() + ") survived SIGKILL for 10 s");
        }
    }

    /** SIGTERM (a graceful Spring shutdown), then SIGKILL after 30 s. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                System.err.println(name + " did not stop within 30 s; killing it");
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
