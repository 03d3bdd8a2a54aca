package org.agentplatform.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * The JVM that owns a server directory, recorded in a small file inside that directory.
 * A directory whose owner JVM is gone was left by a killed JVM: its server (a PostgreSQL
 * postmaster) may still be running and its temporary data may be removed.
 */
record Owner(long pid, Optional<Instant> startInstant) {

    /** File name of the owner record inside a server directory. */
    static final String FILE_NAME = "embedded-servers.owner";

    private static final java.time.Duration ABANDONED_AFTER = java.time.Duration.ofMinutes(10);

    static Owner current() {
        ProcessHandle self = ProcessHandle.current();
        return new Owner(self.pid(), self.info().startInstant());
    }

    /** True if the owning JVM is still running (same pid and, where known, same start time). */
    boolean isAlive() {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid).filter(Processes::isRunning);
        if (handle.isEmpty()) {
            return false;
        }
        if (startInstant.isEmpty()) {
            return true;
        }
        Optional<Instant> actual = handle.get().info().startInstant();
        // pid reuse: a different process with the same pid started at another time
        return actual.isEmpty() || Math.abs(actual.get().toEpochMilli() - startInstant.get().toEpochMilli()) < 2_000;
    }

    boolean isCurrentJvm() {
        return pid == ProcessHandle.current().pid();
    }

    /** Records the current JVM as the owner of {@code directory} (atomic replace). */
    static void writeCurrent(Path directory) {
        Owner owner = current();
        StringBuilder text = new StringBuilder();
        text.append("pid=").append(owner.pid).append('\n');
        owner.startInstant.ifPresent(i -> text.append("start=").append(i.toEpochMilli()).append('\n'));
        try {
            Path tmp = directory.resolve(FILE_NAME + ".tmp");
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(tmp, directory.resolve(FILE_NAME), StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write owner file in " + directory, e);
        }
    }

    /** The recorded owner of {@code directory}, empty if there is no (readable) record. */
    static Optional<Owner> read(Path directory) {
        Path file = directory.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try (var reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            Properties p = new Properties();
            p.load(reader);
            String pid = p.getProperty("pid");
            if (pid == null) {
                return Optional.empty();
            }
            String start = p.getProperty("start");
            return Optional.of(new Owner(Long.parseLong(pid.trim()),
                    start == null ? Optional.empty() : Optional.of(Instant.ofEpochMilli(Long.parseLong(start.trim())))));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * Deletes {@code directory}, best effort, with the owner record last: a deletion cut short
     * (e.g. by the end of the JVM) leaves a directory that is still recognised as stale later.
     */
    static void deleteRecursively(Path directory) {
        if (directory == null || !Files.exists(directory)) {
            return;
        }
        Path ownerFile = directory.resolve(FILE_NAME);
        try (Stream<Path> walk = Files.walk(directory)) {
            walk.sorted(Comparator.reverseOrder())
                    .filter(p -> !p.equals(ownerFile) && !p.equals(directory))
                    .forEach(Owner::deleteQuietly);
        } catch (IOException | UncheckedIOException ignored) {
            // best effort
        }
        deleteQuietly(ownerFile);
        deleteQuietly(directory);
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort
        }
    }

    /**
     * True for a directory without an owner record that nobody touched for 10 minutes: not one
     * being set up right now (its record is written within seconds), so safe to remove.
     */
    static boolean isAbandoned(Path directory) {
        try {
            return Files.getLastModifiedTime(directory).toInstant().isBefore(Instant.now().minus(ABANDONED_AFTER));
        } catch (IOException e) {
            return false;
        }
    }

    /** Root of the temporary server directories: {@code ${java.io.tmpdir}/embedded-servers}. */
    static Path temporaryRoot() {
        Path root = Path.of(System.getProperty("java.io.tmpdir"), "embedded-servers").toAbsolutePath();
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + root, e);
        }
        return root;
    }
}
