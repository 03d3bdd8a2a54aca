package org.agentplatform.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Command-runtime's tables (its inbox, positions and outbox) are its own: other modules use its API
 * ({@code CommandOutcomes}, {@code Outbox}, ...), so that the runtime can change them. SQL is text, which ArchUnit
 * does not see, so this reads the production sources. Left out: command-runtime itself, and the benchmark
 * harness, which counts and times rows there on purpose (it measures the runtime, it does not use it).
 */
class RuntimeTablesTest {

    static final Pattern SQL_ON_RUNTIME_TABLES = Pattern.compile(
            "(?i)\\b(from|into|update|join|table)\\s+(public\\.)?(processed_commands|consumer_offsets|outbox)\\b");

    private static final List<String> OWNERS = List.of("command-runtime", "load-bench");

    @Test
    void noModuleButTheRuntimeWritesSqlOnItsTables() throws IOException {
        Path root = Path.of(System.getProperty("user.dir")).getParent();
        assertThat(root.resolve("command-runtime")).isDirectory();
        List<Path> sources;
        try (Stream<Path> modules = Files.list(root)) {
            sources = modules.filter(m -> Files.isDirectory(m.resolve("src/main/java")))
                    .filter(m -> !OWNERS.contains(m.getFileName().toString()))
                    .flatMap(m -> walk(m.resolve("src/main/java")))
                    .filter(p -> p.toString().endsWith(".java"))
                    .toList();
        }
        // it read the workers, the ingest service and the audit worker, not an empty folder
        assertThat(sources).hasSizeGreaterThan(100)
                .anyMatch(p -> p.endsWith("ParkedResolutionRepository.java"))
                .anyMatch(p -> p.endsWith("CommandStatusQueries.java"));
        assertThat(sources).filteredOn(p -> SQL_ON_RUNTIME_TABLES.matcher(read(p)).find()).isEmpty();
    }

    @Test
    void thePatternCatchesSqlOnTheTablesAndNotProse() {
        assertThat(SQL_ON_RUNTIME_TABLES.matcher("select command_id from processed_commands where").find()).isTrue();
        assertThat(SQL_ON_RUNTIME_TABLES.matcher("INSERT INTO outbox (id)").find()).isTrue();
        assertThat(SQL_ON_RUNTIME_TABLES.matcher("join public.consumer_offsets o on").find()).isTrue();
        assertThat(SQL_ON_RUNTIME_TABLES.matcher("events go to the outbox in the same transaction").find()).isFalse();
    }

    private static Stream<Path> walk(Path dir) {
        try {
            return Files.walk(dir).toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
