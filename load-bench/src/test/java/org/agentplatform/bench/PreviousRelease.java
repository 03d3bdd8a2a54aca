package org.agentplatform.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The previous release's executable jars, built from its commit in this repository's history (pinned in
 * {@code previous-release.properties}): its sources are exported with {@code git archive} under
 * {@code load-bench/target/previous-release/<commit>} and packaged there with its own Maven wrapper, once; later
 * runs reuse the jars. Nothing is installed into the local repository.
 */
final class PreviousRelease {

    private static final Pattern MIGRATION = Pattern.compile("V(\\d+)__.*\\.sql");
    private static final long BUILD_TIMEOUT_MINUTES = 15;

    private final String commit;
    private final Path sources;

    private PreviousRelease(String commit, Path sources) {
        this.commit = commit;
        this.sources = sources;
    }

    static String pinnedCommit() throws IOException {
        Properties p = new Properties();
        try (InputStream in = PreviousRelease.class.getResourceAsStream("/previous-release.properties")) {
            if (in == null) {
                throw new IllegalStateException("previous-release.properties is missing from the test resources");
            }
            p.load(in);
        }
        String commit = p.getProperty("commit", "").trim();
        if (!commit.matches("[0-9a-f]{40}")) {
            throw new IllegalStateException("previous-release.properties: commit must be a full 40-digit SHA, not '" + commit + "'");
        }
        return commit;
    }

    /** The pinned release's sources, exported from git (once), under {@code <repository>/load-bench/target}. */
    static PreviousRelease export(Path repository) throws IOException, InterruptedException {
        String commit = pinnedCommit();
        Path dir = repository.resolve("load-bench/target/previous-release").resolve(commit);
        if (!Files.isRegularFile(dir.resolve("pom.xml"))) {
            if (run(repository, List.of("git", "cat-file", "-e", commit + "^{commit}")) != 0) {
                // a shallow clone: the commit may still be one fetch away from where this clone came from
                run(repository, List.of("git", "fetch", "--quiet", "origin", commit));
            }
            if (run(repository, List.of("git", "cat-file", "-e", commit + "^{commit}")) != 0) {
                throw new IllegalStateException("The previous release " + commit + " is not in this clone's history (a "
                        + "shallow clone?): the N-1 test builds that release's workers from it. Clone with full history.");
            }
            Path partial = dir.resolveSibling(commit + ".partial");
            if (Files.exists(partial)) {
                WorkDirectory.delete(partial);
            }
            Files.createDirectories(partial);
            Path tar = partial.resolve("release.tar");
            check(repository, List.of("git", "archive", "--format=tar", "-o", tar.toString(), commit), "git archive");
            check(partial, List.of("tar", "-xf", tar.toString()), "tar");
            Files.delete(tar);
            Files.move(partial, dir);
        }
        return new PreviousRelease(commit, dir);
    }

    String commit() {
        return commit;
    }

    /** The newest migration version the release shipped. */
    int newestMigration() throws IOException {
        return newestMigration(sources);
    }

    /** The newest migration version under a source tree's {@code shared-schema}. */
    static int newestMigration(Path tree) throws IOException {
        try (Stream<Path> files = Files.list(tree.resolve("shared-schema/src/main/resources/db/migration"))) {
            return files.map(f -> MIGRATION.matcher(f.getFileName().toString())).filter(Matcher::matches)
                    .mapToInt(m -> Integer.parseInt(m.group(1))).max()
                    .orElseThrow(() -> new IllegalStateException("No migrations under " + tree));
        }
    }

    /** The release's executable jars of {@code modules}, packaged (with their sibling modules) in one build if needed. */
    Map<String, Path> execJars(List<String> modules) throws IOException, InterruptedException {
        try {
            return jars(modules);
        } catch (IllegalStateException notBuilt) {
            Path log = sources.resolve("build.log");
            ProcessBuilder builder = new ProcessBuilder("./mvnw", "-B", "-q", "-ntp", "-pl", String.join(",", modules), "-am",
                    "package", "-Dmaven.test.skip=true").directory(sources.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            // the same JDK as this test, whatever JAVA_HOME says
            builder.environment().put("JAVA_HOME", Path.of(System.getProperty("java.home")).toString());
            Process build = builder.start();
            if (!build.waitFor(BUILD_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                build.destroyForcibly();
                throw new IllegalStateException("Building " + modules + " of " + commit + " took over "
                        + BUILD_TIMEOUT_MINUTES + " minutes; see " + log);
            }
            if (build.exitValue() != 0) {
                throw new IllegalStateException("Building " + modules + " of " + commit + " failed (exit "
                        + build.exitValue() + "):\n" + tail(log));
            }
            return jars(modules);
        }
    }

    private Map<String, Path> jars(List<String> modules) throws IOException {
        Map<String, Path> jars = new LinkedHashMap<>();
        for (String module : modules) {
            jars.put(module, ProcessStack.execJar(sources, module));
        }
        return jars;
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    private static void check(Path dir, List<String> command, String what) throws IOException, InterruptedException {
        if (run(dir, command) != 0) {
            throw new IllegalStateException(what + " failed in " + dir + ": " + command);
        }
    }

    private static int run(Path dir, List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }
}
