package org.agentplatform.schema.migration;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * Every migration has its undo script, under the same name with U for V, and each script says what undoing loses:
 * a new V<n> without its U<n> fails the build.
 */
class UndoScriptsTest {

    private static final Pattern VERSIONED = Pattern.compile("V(\\d+(?:[._]\\d+)*)__(\\w+)\\.sql");
    private static final Pattern UNDO = Pattern.compile("U(\\d+(?:[._]\\d+)*)__(\\w+)\\.sql");

    @Test
    void everyMigrationHasAnUndoScriptAndEveryUndoScriptAMigration() throws Exception {
        Set<String> migrations = files(Rollback.MIGRATION_LOCATION);
        Set<String> undos = files(Rollback.UNDO_LOCATION);
        assertThat(migrations).as("migrations").isNotEmpty().allMatch(name -> VERSIONED.matcher(name).matches());
        assertThat(undos).as("undo scripts").allMatch(name -> UNDO.matcher(name).matches());

        Set<String> expected = migrations.stream().map(name -> "U" + name.substring(1))
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(undos).as("the undo scripts in %s, one per migration in %s (same name, U for V)",
                Rollback.UNDO_LOCATION, Rollback.MIGRATION_LOCATION).isEqualTo(expected);
    }

    @Test
    void everyUndoScriptSaysWhatItLosesAndWhichMigrationItUndoes() throws Exception {
        for (String name : files(Rollback.UNDO_LOCATION)) {
            String sql = read(Rollback.UNDO_LOCATION + "/" + name);
            assertThat(sql).as(name).startsWith("-- Undoes V" + name.substring(1) + ".");
            assertThat(Rollback.loses(sql)).as(name + ": its header's " + Rollback.LOSES_MARKER + " paragraph")
                    .isNotBlank();
        }
    }

    @Test
    void undoScriptsAreTransactional() throws Exception {
        // each undo runs in one transaction with the removal of its history row: nothing that cannot run in one
        Pattern nonTransactional = Pattern.compile("(?i)\\b(concurrently|vacuum|alter\\s+system|alter\\s+type\\s+\\S+\\s+add\\s+value"
                + "|create\\s+database|drop\\s+database|commit|rollback)\\b");
        for (String name : files(Rollback.UNDO_LOCATION)) {
            String code = read(Rollback.UNDO_LOCATION + "/" + name).lines().filter(l -> !l.strip().startsWith("--"))
                    .collect(Collectors.joining("\n"));
            assertThat(nonTransactional.matcher(code).find()).as(name + " must run inside a transaction").isFalse();
        }
    }

    @Test
    void theLosesParagraphIsReadFromTheHeader() {
        assertThat(Rollback.loses("""
                -- Undoes V1__x.sql.
                --
                -- Loses: the rows of a
                --   and of b.
                -- Not part of it.
                drop table a;""")).isEqualTo("the rows of a and of b.");
        assertThat(Rollback.loses("drop table a;")).isEmpty();
    }

    private static Set<String> files(String location) throws IOException, URISyntaxException {
        URL url = UndoScriptsTest.class.getClassLoader().getResource(location);
        assertThat(url).as(location + " on the classpath").isNotNull();
        assertThat(url.getProtocol()).as("tests read " + location + " from target/classes").isEqualTo("file");
        try (Stream<Path> paths = Files.list(Path.of(url.toURI()))) {
            return paths.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static String read(String resource) throws IOException {
        try (var in = UndoScriptsTest.class.getClassLoader().getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
