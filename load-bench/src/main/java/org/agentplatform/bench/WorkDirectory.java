package org.agentplatform.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/** A run's temporary directory: its processes' logs go with the report, the rest is deleted. */
public final class WorkDirectory {

    private WorkDirectory() {
    }

    /** The services' logs (and their profiles, a folder of them) go with the report: the first place to look when a figure is odd. */
    public static void keepLogs(Path from, Path to) {
        if (!Files.isDirectory(from)) {
            return;
        }
        try (Stream<Path> logs = Files.walk(from)) {
            for (Path log : logs.toList()) {
                Path target = to.resolve(from.relativize(log).toString());
                if (Files.isDirectory(log)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(log, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            System.err.println("Could not keep the logs: " + e);
        }
    }

    public static void delete(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("Could not delete " + dir + ": " + e);
        }
    }
}
