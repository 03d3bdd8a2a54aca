package org.agentplatform.schema.migration;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.output.ValidateResult;
import org.jspecify.annotations.Nullable;

/**
 * Undoes applied Flyway migrations down to a target version (Flyway's community edition has no {@code undo}).
 *
 * <p>Each versioned migration {@code db/migration/V<n>__<description>.sql} has its compensating script
 * {@code db/rollback/U<n>__<description>.sql} (a location Flyway does not scan). {@link #undoTo} runs them from the
 * current version down to, not including, the target, in descending order, each in its own transaction together
 * with the deletion of its migration's row from {@code flyway_schema_history}: afterwards {@code flyway migrate}
 * applies the same migrations again, with the same checksums. A failed undo is rolled back whole, so the schema and
 * its history stay at the version before it, and nothing further is undone.
 *
 * <p>Refused before anything is changed: a target above the current version, an applied migration without an undo
 * script, an applied migration whose checksum or presence does not match this classpath's migrations (the undo
 * scripts are those of the migrations on the classpath), a failed migration in the history, or a row that is no
 * SQL migration (a baseline, say) above the target. The whole run holds Flyway's own lock (the PostgreSQL advisory
 * lock Flyway takes for the history table), so no {@code flyway migrate} of a starting worker interleaves with it.
 *
 * <p>Command line: see {@link #main} and README "Migrations".
 */
public final class Rollback {

    /** Where the migrations are: Flyway's (and Spring Boot's) default location, which the workers use. */
    public static final String MIGRATION_LOCATION = "db/migration";
    /** Where the undo scripts are: {@code U<n>__<description>.sql} for each {@code V<n>__<description>.sql}. */
    public static final String UNDO_LOCATION = "db/rollback";
    /** Flyway's default history table, which the workers use. */
    public static final String HISTORY_TABLE = "flyway_schema_history";
    /** How a line of an undo script's header begins that says what the undo loses (required, see the tests). */
    public static final String LOSES_MARKER = "-- Loses:";

    /** Flyway's PostgreSQL advisory lock: this number plus the hash of the quoted history table's name. */
    private static final long FLYWAY_LOCK_MAGIC_NUMBER = 77431708279161L;

    /** One undo: the applied migration it reverses and its script. */
    public record Step(MigrationVersion version, String description, String undoScript, String loses) {

        @Override
        public String toString() {
            return "V" + version + " (" + undoScript + ")";
        }
    }

    /** A refusal (nothing changed) or a failed undo (what is in {@link #undone()} stays undone). */
    public static final class RollbackException extends RuntimeException {

        private final transient List<Step> undone;

        RollbackException(String message, List<Step> undone, @Nullable Throwable cause) {
            super(message, cause);
            this.undone = List.copyOf(undone);
        }

        /** The undos committed before the failure; empty for a refusal. */
        public List<Step> undone() {
            return undone;
        }
    }

    private final DataSource dataSource;
    private final @Nullable String schema;
    private final ClassLoader classLoader;
    private final Duration lockTimeout;

    /** Undoes in the connection's current schema, with the scripts of this class's class loader. */
    public Rollback(DataSource dataSource) {
        this(dataSource, null, Rollback.class.getClassLoader(), Duration.ofSeconds(10));
    }

    /**
     * @param schema      the schema of the tables and of {@code flyway_schema_history}; {@code null}: the
     *                    connection's current schema (what Flyway uses when the workers migrate)
     * @param classLoader where the migrations and undo scripts are read from
     * @param lockTimeout how long to wait for Flyway's lock, and for each table lock an undo statement needs
     *                    (PostgreSQL {@code lock_timeout}); an undo that waits longer fails and is rolled back
     */
    public Rollback(DataSource dataSource, @Nullable String schema, ClassLoader classLoader, Duration lockTimeout) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.schema = schema;
        this.classLoader = Objects.requireNonNull(classLoader, "classLoader");
        this.lockTimeout = Objects.requireNonNull(lockTimeout, "lockTimeout");
        if (lockTimeout.isNegative() || lockTimeout.isZero()) {
            throw new IllegalArgumentException("lockTimeout must be positive: " + lockTimeout);
        }
    }

    /** What {@link #undoTo} would undo, in order, checked as it checks; changes nothing. */
    public List<Step> plan(String targetVersion) {
        return withFlywayLock((connection, schemaName) -> plan(connection, schemaName, targetVersion));
    }

    /**
     * Undoes every applied migration above {@code targetVersion} ("0" undoes them all), newest first.
     *
     * @return the undos done, in the order done (empty: the schema was at the target already)
     * @throws RollbackException when refused (nothing changed) or when an undo failed (the undos before it stay)
     */
    public List<Step> undoTo(String targetVersion) {
        return withFlywayLock((connection, schemaName) -> {
            List<Step> plan = plan(connection, schemaName, targetVersion);
            List<Step> undone = new ArrayList<>();
            for (Step step : plan) {
                try {
                    undo(connection, schemaName, step);
                } catch (SQLException | RuntimeException e) {
                    throw new RollbackException("undo of V" + step.version() + " (" + UNDO_LOCATION + "/"
                            + step.undoScript() + ") failed and was rolled back: " + e.getMessage()
                            + System.lineSeparator() + "The schema and flyway_schema_history are at V"
                            + step.version()
                            + (undone.isEmpty() ? "; nothing was undone" : "; undone before it: " + undone)
                            + ". Nothing further was undone.", undone, e);
                }
                undone.add(step);
            }
            return undone;
        });
    }

    /** Flyway's advisory lock number for the history table of this schema (what a migrate takes). */
    public static long flywayLockKey(String schemaName) {
        String table = quote(schemaName) + "." + quote(HISTORY_TABLE);
        return FLYWAY_LOCK_MAGIC_NUMBER + table.hashCode();
    }

    private static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    private interface Locked<T> {
        T run(Connection connection, String schemaName) throws SQLException;
    }

    private <T> T withFlywayLock(Locked<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(true);
            String schemaName = schema != null ? schema : currentSchema(connection);
            long key = flywayLockKey(schemaName);
            acquire(connection, key);
            try {
                return work.run(connection, schemaName);
            } finally {
                try (PreparedStatement unlock = connection.prepareStatement("select pg_advisory_unlock(?)")) {
                    unlock.setLong(1, key);
                    unlock.execute();
                }
            }
        } catch (SQLException e) {
            throw new RollbackException("rollback failed: " + e.getMessage(), List.of(), e);
        }
    }

    private static String currentSchema(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("select current_schema()")) {
            rs.next();
            String name = rs.getString(1);
            if (name == null) {
                throw new RollbackException("the connection has no current schema (search_path)", List.of(), null);
            }
            return name;
        }
    }

    private void acquire(Connection connection, long key) throws SQLException {
        long deadline = System.nanoTime() + lockTimeout.toNanos();
        try (PreparedStatement lock = connection.prepareStatement("select pg_try_advisory_lock(?)")) {
            lock.setLong(1, key);
            while (true) {
                try (ResultSet rs = lock.executeQuery()) {
                    rs.next();
                    if (rs.getBoolean(1)) {
                        return;
                    }
                }
                if (System.nanoTime() - deadline > 0) {
                    throw new RollbackException("refused: Flyway's lock on " + HISTORY_TABLE + " is held by another"
                            + " session (a migrate of a starting service, or another rollback) for more than "
                            + lockTimeout + "; nothing was undone", List.of(), null);
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new RollbackException("interrupted while waiting for Flyway's lock", List.of(), e);
                }
            }
        }
    }

    private record Applied(MigrationVersion version, String description, String type, String script,
                           boolean success) {
    }

    private List<Step> plan(Connection connection, String schemaName, String targetVersion) throws SQLException {
        MigrationVersion target = parseTarget(targetVersion);
        List<Applied> history = history(connection, schemaName);
        for (Applied a : history) {
            if (!a.success()) {
                throw refused("flyway_schema_history records a failed migration, V" + a.version() + " ("
                        + a.script() + "); repair it (flyway repair) before undoing anything");
            }
        }
        MigrationVersion current = history.stream().map(Applied::version).max(Comparator.naturalOrder())
                .orElse(MigrationVersion.EMPTY);
        if (current == MigrationVersion.EMPTY) {
            if (isZero(target)) {
                return List.of();
            }
            throw refused("target version " + target + " is above the current version: no migration is applied");
        }
        if (target.compareTo(current) > 0) {
            throw refused("target version " + target + " is above the current version, V" + current
                    + "; to go up, migrate");
        }
        validateChecksums(schemaName);
        List<Applied> toUndo = history.stream().filter(a -> a.version().compareTo(target) > 0)
                .sorted(Comparator.comparing(Applied::version).reversed()).toList();
        List<Step> steps = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (Applied a : toUndo) {
            if (!"SQL".equals(a.type())) {
                throw refused("V" + a.version() + " in flyway_schema_history is of type " + a.type()
                        + ", not an SQL migration: it has no undo script; choose a target at or above it");
            }
            String fileName = a.script().substring(a.script().lastIndexOf('/') + 1);
            if (!fileName.startsWith("V")) {
                throw refused("V" + a.version() + "'s script " + a.script() + " is not named V<n>__…");
            }
            String undoScript = "U" + fileName.substring(1);
            String sql = readUndo(undoScript);
            if (sql == null) {
                missing.add(UNDO_LOCATION + "/" + undoScript);
                continue;
            }
            steps.add(new Step(a.version(), a.description(), undoScript, loses(sql)));
        }
        if (!missing.isEmpty()) {
            throw refused("no undo script for " + missing.size() + " applied migration(s): " + missing
                    + " not on the classpath; nothing was undone");
        }
        return steps;
    }

    private static MigrationVersion parseTarget(String targetVersion) {
        if (targetVersion == null || targetVersion.isBlank()) {
            throw refused("no target version given");
        }
        String text = targetVersion.strip();
        if (text.startsWith("V") || text.startsWith("v")) {
            text = text.substring(1);
        }
        try {
            MigrationVersion v = MigrationVersion.fromVersion(text);
            if (v == null || v == MigrationVersion.LATEST || v == MigrationVersion.CURRENT) {
                throw new IllegalArgumentException(text);
            }
            return v;
        } catch (RuntimeException e) {
            throw refused("not a version: " + targetVersion);
        }
    }

    private static boolean isZero(MigrationVersion v) {
        return v.getVersion().chars().allMatch(c -> c == '0' || c == '.');
    }

    private static RollbackException refused(String why) {
        return new RollbackException("refused: " + why, List.of(), null);
    }

    private List<Applied> history(Connection connection, String schemaName) throws SQLException {
        String table = quote(schemaName) + "." + quote(HISTORY_TABLE);
        try (PreparedStatement exists = connection.prepareStatement("select to_regclass(?) is not null")) {
            exists.setString(1, table);
            try (ResultSet rs = exists.executeQuery()) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    throw refused(table + " does not exist: nothing was ever migrated in schema " + schemaName);
                }
            }
        }
        List<Applied> applied = new ArrayList<>();
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("select version, description, type, script, success from " + table
                     + " where version is not null order by installed_rank")) {
            while (rs.next()) {
                applied.add(new Applied(MigrationVersion.fromVersion(rs.getString(1)), rs.getString(2),
                        rs.getString(3), rs.getString(4), rs.getBoolean(5)));
            }
        }
        // Flyway's repair may leave a row of type DELETE marking an applied migration as deleted
        Map<MigrationVersion, Applied> byVersion = new LinkedHashMap<>();
        for (Applied a : applied) {
            if ("DELETE".equals(a.type())) {
                byVersion.remove(a.version());
            } else {
                byVersion.put(a.version(), a);
            }
        }
        return List.copyOf(byVersion.values());
    }

    /**
     * The undo scripts are those of this classpath's migrations: an applied migration that differs from it
     * (checksum, description) or that it lacks below its newest one would be undone by the wrong script.
     */
    private void validateChecksums(String schemaName) {
        FluentConfiguration config = Flyway.configure(classLoader).dataSource(dataSource)
                .locations("classpath:" + MIGRATION_LOCATION)
                .table(HISTORY_TABLE)
                // pending: not applied, nothing to undo; future: newer than this classpath, refused below for
                // want of an undo script
                .ignoreMigrationPatterns("*:pending", "*:future");
        if (schema != null) {
            config.schemas(schemaName);
        }
        ValidateResult result = config.load().validateWithResult();
        if (!result.validationSuccessful) {
            throw refused("the applied migrations do not match this classpath's " + MIGRATION_LOCATION
                    + ", whose undo scripts would be run: " + result.getAllErrorMessages());
        }
    }

    private @Nullable String readUndo(String undoScript) {
        try (InputStream in = classLoader.getResourceAsStream(UNDO_LOCATION + "/" + undoScript)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + UNDO_LOCATION + "/" + undoScript, e);
        }
    }

    /** The header's "-- Loses:" paragraph (that line and the following, more indented, comment lines). */
    static String loses(String sql) {
        StringBuilder text = null;
        for (String line : sql.lines().toList()) {
            if (text == null) {
                if (line.startsWith(LOSES_MARKER)) {
                    text = new StringBuilder(line.substring(LOSES_MARKER.length()).strip());
                }
            } else if (line.startsWith("--  ")) {
                text.append(' ').append(line.substring(2).strip());
            } else {
                break;
            }
        }
        return text == null ? "" : text.toString();
    }

    private void undo(Connection connection, String schemaName, Step step) throws SQLException {
        String sql = readUndo(step.undoScript());
        if (sql == null) {
            throw new IllegalStateException(UNDO_LOCATION + "/" + step.undoScript() + " disappeared");
        }
        connection.setAutoCommit(false);
        try {
            try (Statement s = connection.createStatement()) {
                s.execute("set local lock_timeout = " + lockTimeout.toMillis());
                s.execute("set local search_path = " + quote(schemaName));
                s.execute(sql);
            }
            String table = quote(schemaName) + "." + quote(HISTORY_TABLE);
            try (PreparedStatement delete = connection.prepareStatement(
                    "delete from " + table + " where version = ? and type = 'SQL'")) {
                delete.setString(1, step.version().getVersion());
                if (delete.executeUpdate() != 1) {
                    throw new IllegalStateException("V" + step.version() + "'s row in " + table
                            + " was not found, or found more than once");
                }
            }
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }

    /**
     * The command: {@code --url <jdbc url> --user <name> [--password <pw>] --to <version> [--schema <name>]
     * [--lock-timeout <seconds>] [--dry-run]}. The password defaults to the environment's {@code PGPASSWORD}.
     * Exits 0 when done (or nothing to do), 1 when refused or failed, 2 on a usage error.
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static final String USAGE = """
            Usage: Rollback --url <jdbc:postgresql://host:port/db> --user <owner of the schema> --to <version>
                            [--password <password>] [--schema <schema>] [--lock-timeout <seconds>] [--dry-run]
              Undoes the applied migrations above --to (0: all of them), newest first, each with its
              db/rollback/U<n>__*.sql in its own transaction, and removes their rows from flyway_schema_history.
              --password  default: the environment variable PGPASSWORD
              --schema    default: the connection's current schema (where the services migrate)
              --lock-timeout  seconds to wait for Flyway's lock and for each table lock (default 10)
              --dry-run   print what would be undone and what it loses, change nothing""";

    static int run(String[] args, PrintStream out, PrintStream err) {
        Map<String, String> options = new LinkedHashMap<>();
        boolean dryRun = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--dry-run" -> dryRun = true;
                case "--help", "-h" -> {
                    out.println(USAGE);
                    return 0;
                }
                case "--url", "--user", "--password", "--to", "--schema", "--lock-timeout" -> {
                    if (i + 1 >= args.length) {
                        err.println("missing value after " + arg);
                        err.println(USAGE);
                        return 2;
                    }
                    options.put(arg, args[++i]);
                }
                default -> {
                    err.println("unknown argument: " + arg);
                    err.println(USAGE);
                    return 2;
                }
            }
        }
        for (String required : List.of("--url", "--user", "--to")) {
            if (!options.containsKey(required)) {
                err.println("missing " + required);
                err.println(USAGE);
                return 2;
            }
        }
        Duration lockTimeout;
        try {
            lockTimeout = Duration.ofSeconds(Long.parseLong(options.getOrDefault("--lock-timeout", "10")));
            if (lockTimeout.isNegative() || lockTimeout.isZero()) {
                throw new NumberFormatException("not positive");
            }
        } catch (NumberFormatException e) {
            err.println("--lock-timeout takes a positive number of whole seconds: " + options.get("--lock-timeout"));
            return 2;
        }
        String password = options.getOrDefault("--password", System.getenv().getOrDefault("PGPASSWORD", ""));
        ClassLoader loader = Rollback.class.getClassLoader();
        DataSource dataSource = Flyway.configure(loader)
                .dataSource(options.get("--url"), options.get("--user"), password).getDataSource();
        Rollback rollback = new Rollback(dataSource, options.get("--schema"), loader, lockTimeout);
        String target = Objects.requireNonNull(options.get("--to"), "--to"); // present: checked above
        try {
            List<Step> plan = rollback.plan(target);
            if (plan.isEmpty()) {
                out.println("Nothing to undo: the schema is at version " + target + " already.");
                return 0;
            }
            out.println((dryRun ? "Would undo" : "Undoing") + ", newest first:");
            for (Step step : plan) {
                out.println("  V" + step.version() + " " + step.description() + "  <- " + UNDO_LOCATION + "/"
                        + step.undoScript());
                out.println("      loses: " + step.loses());
            }
            if (dryRun) {
                return 0;
            }
            List<Step> done = rollback.undoTo(target);
            for (Step step : done) {
                out.println("Undone V" + step.version() + " (" + step.undoScript() + ")");
            }
            out.println("The schema is at version " + target + ". flyway migrate would apply the undone "
                    + "migrations again.");
            return 0;
        } catch (RollbackException e) {
            for (Step step : e.undone()) {
                out.println("Undone V" + step.version() + " (" + step.undoScript() + ")");
            }
            err.println(e.getMessage());
            return 1;
        }
    }
}
