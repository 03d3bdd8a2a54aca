package org.agentplatform.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL 16 server (zonky binaries) started from this JVM, configured for logical
 * replication and durable commits.
 *
 * <p>With a {@code null} data directory the server lives in a fresh directory under
 * {@code ${java.io.tmpdir}/embedded-servers/} that is deleted on {@link #close()}; otherwise the
 * given directory is initialised on first use and kept and reused afterwards.
 *
 * <p>The postmaster is a separate OS process: if this JVM is killed it keeps running. Every
 * directory records its owner JVM; a later {@link #start} stops postmasters whose owner JVM is
 * gone (and removes their temporary directories). Servers that this code did not start are
 * never touched.
 */
public final class PostgresServer implements PostgresEndpoint, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PostgresServer.class);

    /** The superuser that initdb creates; authentication is {@code trust}, no password. */
    public static final String USERNAME = "postgres";

    static final String TEMP_PREFIX = "pg-";
    /** Slots (and application_name) of standbys: {@code standby_<owner JVM pid>_<random>}. */
    static final String STANDBY_PREFIX = "standby_";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final Object CLEANUP_LOCK = new Object();

    /** Server settings; zonky's defaults (synchronous_commit=off, -F i.e. fsync=off) are overridden. */
    static Map<String, String> serverConfig() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("wal_level", "logical");
        c.put("max_replication_slots", "32");
        c.put("max_wal_senders", "32");
        c.put("synchronous_commit", "on");
        c.put("max_connections", "400");
        // zonky starts postgres with -F (fsync off); -c options come after it and win
        c.put("fsync", "on");
        c.put("full_page_writes", "on");
        c.put("wal_sync_method", "fdatasync");
        c.put("timezone", "UTC");
        c.put("max_wal_size", "1GB");
        return c;
    }

    private final EmbeddedPostgres postgres;
    private final Path dataDirectory;
    private final boolean temporary;
    private final int port;
    private final Optional<ProcessHandle> postmaster;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** For a standby: the server it streams from, and its name there (slot and application_name). */
    private final @Nullable PostgresServer primary;
    private final @Nullable String standbyName;

    private PostgresServer(EmbeddedPostgres postgres, Path dataDirectory, boolean temporary, int port,
                           Optional<ProcessHandle> postmaster, @Nullable PostgresServer primary,
                           @Nullable String standbyName) {
        this.postgres = postgres;
        this.dataDirectory = dataDirectory;
        this.temporary = temporary;
        this.port = port;
        this.postmaster = postmaster;
        this.primary = primary;
        this.standbyName = standbyName;
    }

    /**
     * Starts PostgreSQL.
     *
     * @param dataDirectory {@code null} for a temporary server, else a directory kept between runs
     * @param port          {@code 0} for a free port
     */
    public static PostgresServer start(@Nullable Path dataDirectory, int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port);
        }
        long t0 = System.nanoTime();
        Path persistent = dataDirectory == null ? null : dataDirectory.toAbsolutePath().normalize();
        boolean temporary = persistent == null;
        Path root = Owner.temporaryRoot();
        cleanStaleTemporaryDirectories(root);
        if (persistent != null) {
            stopStalePostmaster(persistent, true, false);
        }
        int attempts = port == 0 ? 3 : 1;
        RuntimeException failure = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            Path dir = persistent == null ? root.resolve(TEMP_PREFIX + UUID.randomUUID().toString().substring(0, 8)) : persistent;
            int p = port == 0 ? Ports.free() : port;
            if (port != 0) {
                Ports.requireFree(p, "PostgreSQL");
            }
            try {
                PostgresServer server = startOnce(dir, temporary, p, null, null);
                if (!temporary) {
                    server.dropSlotsOfGoneStandbys();
                }
                log.info("PostgreSQL {} started on port {} in {} ms (data {})", server.version(), p,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), dir);
                return server;
            } catch (RuntimeException e) {
                failure = e;
                // a postmaster that did start (e.g. too slowly) must not be left behind
                runningPostmaster(dir).ifPresent(pm -> {
                    signal(pm.pid(), "INT");
                    awaitExit(pm, STOP_TIMEOUT);
                });
                if (temporary) {
                    Owner.deleteRecursively(dir);
                }
                log.warn("PostgreSQL start attempt {} on port {} failed: {}", attempt, p, e.toString());
            }
        }
        throw failure;
    }

    private static PostgresServer startOnce(Path dir, boolean temporary, int port, @Nullable PostgresServer primary,
                                            @Nullable String standbyName) {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(dir)
                // never let zonky delete the directory: its pg_ctl stop gives up after 5 s and it then
                // deletes the data of a server that is still shutting down; close() does it safely
                .setCleanDataDirectory(false)
                .setRegisterShutdownHook(false)
                .setPort(port)
                .setPGStartupWait(STARTUP_TIMEOUT)
                // runs after initdb (which needs an empty directory) and before the postmaster starts
                .setDataDirectoryCustomizer(d -> Owner.writeCurrent(d.toPath()));
        serverConfig().forEach(builder::setServerConfig);
        EmbeddedPostgres pg;
        try {
            pg = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("PostgreSQL did not start in " + dir, e);
        }
        PostgresServer server = new PostgresServer(pg, dir, temporary, port, runningPostmaster(dir), primary, standbyName);
        try {
            // zonky's readiness check only connects to the port: make sure it is our server answering
            String actual = server.queryString("SHOW data_directory");
            if (!Path.of(actual).toAbsolutePath().normalize().equals(dir.toAbsolutePath().normalize())) {
                throw new IllegalStateException("port " + port + " is served by another PostgreSQL (data directory "
                        + actual + ")");
            }
        } catch (RuntimeException e) {
            server.close(false);
            throw e;
        }
        return server;
    }

    public int port() {
        return port;
    }

    /** {@code jdbc:postgresql://localhost:PORT/DB?reWriteBatchedInserts=true}; user {@link #username()}, no password. */
    @Override
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://localhost:" + port + "/" + database + "?reWriteBatchedInserts=true";
    }

    /** Any password works: the server trusts local connections. */
    @Override
    public String password() {
        return "postgres";
    }

    @Override
    public String username() {
        return USERNAME;
    }

    /** The data directory (temporary or the one given to {@link #start}). */
    public Path dataDirectory() {
        return dataDirectory;
    }

    /** Creates the database if it does not exist yet; on a standby it fails, since a standby refuses writes. */
    @Override
    public void createDatabase(String name) {
        if (primary != null) {
            throw new IllegalStateException("cannot create database " + name + " on the read-only standby on port " + port
                    + ": create it on the primary (port " + primary.port + "), it then appears here");
        }
        PostgresEndpoint.super.createDatabase(name);
    }

    /** A data source for the "postgres" database as superuser, for admin work in tests. */
    @Override
    public DataSource adminDataSource() {
        return dataSource("postgres");
    }

    /** A (non-pooled) data source for {@code database} as superuser. */
    @Override
    public DataSource dataSource(String database) {
        return pgDataSource(database);
    }

    private PGSimpleDataSource pgDataSource(String database) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setServerNames(new String[] {"localhost"});
        ds.setPortNumbers(new int[] {port});
        ds.setDatabaseName(database);
        ds.setUser(USERNAME);
        ds.setReWriteBatchedInserts(true);
        return ds;
    }

    /** The server version, e.g. "16.x". */
    public String version() {
        return queryString("SHOW server_version");
    }

    private String queryString(String sql) {
        try (Connection c = adminDataSource().getConnection()) {
            return queryString(c, sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " failed", e);
        }
    }

    private static String queryString(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            String value = rs.getString(1);
            if (value == null) {
                throw new SQLException(sql + " returned null");
            }
            return value;
        }
    }

    /**
     * Stops the server and waits for the postmaster to exit (bounded). A server on a kept data
     * directory gets a fast shutdown (clean checkpoint); a temporary one an immediate shutdown,
     * since its data is deleted right after: no checkpoint to write, so it stops in milliseconds
     * even on a loaded machine. Idempotent.
     */
    @Override
    public void close() {
        close(true);
    }

    /**
     * For a server whose postmaster is gone already (stopped or killed from outside, as the chaos run does):
     * releases what this object holds without a {@code pg_ctl stop}, which would fail and log an error. The data
     * directory stays for the next start if it is kept, a temporary one is deleted. If the postmaster still runs, a
     * plain {@link #close()}. Idempotent, and a later {@link #close()} does nothing.
     */
    public void closeAfterCrash() {
        if (postmaster.map(ProcessHandle::isAlive).orElse(false)) {
            close(); // it is not gone after all: stop it properly
            return;
        }
        if (closed.compareAndSet(false, true)) {
            releaseZonkyLock();
            if (temporary) {
                Owner.deleteRecursively(dataDirectory);
            }
            dropStandbySlot();
        }
    }

    private void close(boolean ours) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long t0 = System.nanoTime();
        boolean stopped;
        if (temporary && postmaster.isPresent()) {
            // SIGQUIT = immediate shutdown; zonky's own close (pg_ctl stop -m fast) is skipped
            stopped = stop(postmaster.get(), "QUIT", STOP_TIMEOUT);
            releaseZonkyLock();
        } else {
            if (ours) {
                // keeps the shutdown checkpoint short: zonky's pg_ctl stop waits only 5 s
                try (Connection c = adminDataSource().getConnection(); Statement s = c.createStatement()) {
                    s.setQueryTimeout((int) STOP_TIMEOUT.toSeconds());
                    s.execute("CHECKPOINT");
                } catch (SQLException e) {
                    log.debug("CHECKPOINT before stopping PostgreSQL on port {} failed", port, e);
                }
            }
            try {
                postgres.close(); // pg_ctl stop -m fast -t 5
            } catch (IOException e) {
                log.warn("stopping PostgreSQL on port {} failed", port, e);
            }
            stopped = postmaster.map(p -> awaitExit(p, STOP_TIMEOUT) || stop(p, "INT", Duration.ofSeconds(5)))
                    .orElse(true);
        }
        long stoppedAt = System.nanoTime();
        if (!stopped) {
            // keep the directory and its owner record: a later start stops and removes it
            log.warn("PostgreSQL on port {} (pid {}) did not stop in time; leaving {}", port,
                    postmaster.get().pid(), dataDirectory);
        } else if (temporary) {
            Owner.deleteRecursively(dataDirectory);
        }
        // after the stop: the slot is in use as long as the standby streams
        dropStandbySlot();
        log.info("PostgreSQL on port {} stopped in {} ms (postmaster gone after {} ms)", port,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), TimeUnit.NANOSECONDS.toMillis(stoppedAt - t0));
    }

    /** Sends {@code signal}, waits; then SIGKILL as a last resort. True once the process is gone. */
    private static boolean stop(ProcessHandle process, String signal, Duration timeout) {
        signal(process.pid(), signal);
        if (awaitExit(process, timeout)) {
            return true;
        }
        process.destroyForcibly();
        return awaitExit(process, Duration.ofSeconds(5));
    }

    /** Zonky keeps a file lock on "epg-lock" until its close(), which is skipped for temporary servers. */
    private void releaseZonkyLock() {
        try {
            Field field = EmbeddedPostgres.class.getDeclaredField("lockStream");
            field.setAccessible(true);
            Object stream = field.get(postgres);
            if (stream instanceof Closeable closeable) {
                closeable.close(); // releases the lock too
            }
        } catch (ReflectiveOperationException | IOException | RuntimeException e) {
            log.debug("cannot release zonky's lock file", e);
        }
    }

    // ---------------------------------------------------------------- streaming standby

    /** Top-level directories whose contents PostgreSQL's docs leave out of a base backup (the directories stay, empty). */
    private static final Set<String> EMPTY_IN_BACKUP = Set.of("pg_wal", "pg_replslot", "pg_dynshmem", "pg_notify",
            "pg_serial", "pg_snapshots", "pg_stat_tmp", "pg_subtrans");
    /** Top-level files left out: the primary's runtime files, zonky's lock file, and the owner record (the copy has its own). */
    private static final Set<String> NOT_IN_BACKUP = Set.of("postmaster.pid", "postmaster.opts", "epg-lock",
            Owner.FILE_NAME, Owner.FILE_NAME + ".tmp");

    /**
     * Starts a streaming physical standby (hot standby, read only) of this running primary: a temporary server
     * on a free port, made from a base backup taken with the low-level backup API, streaming through its own
     * physical replication slot (named {@link #standbyName()}, also its {@code application_name}). Returns once
     * the standby has replayed the primary's WAL as of the end of the backup. Its {@link #close()} also drops the
     * slot if this primary still runs; the slots of standbys whose JVM was killed are dropped by the next
     * {@code startStandby()} or (kept data directory) {@link #start}. Takes a few seconds (a checkpoint, a copy of
     * the data directory, a start).
     */
    public PostgresServer startStandby() {
        if (closed.get()) {
            throw new IllegalStateException("PostgreSQL on port " + port + " is closed");
        }
        if (primary != null || inRecovery()) {
            throw new IllegalStateException("PostgreSQL on port " + port + " is a standby: start standbys of the primary");
        }
        long t0 = System.nanoTime();
        Path root = Owner.temporaryRoot();
        cleanStaleTemporaryDirectories(root);
        dropSlotsOfGoneStandbys();
        for (int attempt = 1; ; attempt++) {
            // the owner pid in the name lets a later start drop the slot if this JVM is killed
            String name = STANDBY_PREFIX + ProcessHandle.current().pid() + "_" + UUID.randomUUID().toString().substring(0, 8);
            Path dir = root.resolve(TEMP_PREFIX + UUID.randomUUID().toString().substring(0, 8));
            int p = Ports.free();
            PostgresServer standby = null;
            boolean postmasterStarted = false;
            try {
                createPhysicalSlot(name);
                long backupStart = System.nanoTime();
                long backupEnd = baseBackup(dir, name);
                long backupMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - backupStart);
                writeStandbyConfig(dir, name);
                standby = startOnce(dir, true, p, this, name);
                standby.awaitReplay(backupEnd, STARTUP_TIMEOUT);
                log.info("PostgreSQL standby {} of port {} started on port {} in {} ms (base backup {} ms; data {})", name,
                        port, p, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), backupMs, dir);
                return standby;
            } catch (RuntimeException e) {
                if (standby != null) {
                    standby.close(); // stops it, deletes its directory, drops the slot
                } else {
                    Optional<ProcessHandle> pm = runningPostmaster(dir);
                    postmasterStarted = pm.isPresent();
                    pm.ifPresent(h -> stop(h, "QUIT", STOP_TIMEOUT));
                    Owner.deleteRecursively(dir);
                    dropReplicationSlot(name);
                }
                // as in start(): a postmaster that never came up most likely lost its free port to another process
                boolean retry = standby == null && !postmasterStarted && attempt < 3;
                log.warn("PostgreSQL standby start attempt {} on port {} failed: {}", attempt, p, e.toString());
                if (!retry) {
                    throw new IllegalStateException("cannot start a standby of PostgreSQL on port " + port + ": "
                            + e.getMessage(), e);
                }
            }
        }
    }

    /** True while the server is in recovery, i.e. it is a standby. */
    public boolean inRecovery() {
        return Boolean.parseBoolean(queryString("SELECT pg_is_in_recovery()::text"));
    }

    /** A standby's replication slot on its primary, also its {@code application_name} in {@code pg_stat_replication}. */
    public String standbyName() {
        if (standbyName == null) {
            throw new IllegalStateException("PostgreSQL on port " + port + " is not a standby");
        }
        return standbyName;
    }

    /**
     * On a primary: how many bytes of WAL the standby named {@code standbyName} has not replayed yet
     * ({@code pg_current_wal_lsn()} minus its {@code replay_lsn}, as the standby last reported it: standbys made by
     * {@link #startStandby()} report every second).
     *
     * @throws IllegalStateException if no such standby streams from this server
     */
    public long replicationLagBytes(String standbyName) {
        return replicationStat(standbyName, "pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)")
                .map(v -> Math.max(0, new BigDecimal(v).longValueExact()))
                .orElseThrow(() -> new IllegalStateException("standby " + standbyName + " has not reported replay yet"));
    }

    /**
     * On a primary: {@code replay_lag} of the standby named {@code standbyName}, the time its replay trails the
     * primary's commits; empty when PostgreSQL does not know (yet), which includes a standby that caught up and idles.
     *
     * @throws IllegalStateException if no such standby streams from this server
     */
    public Optional<Duration> replayLag(String standbyName) {
        return replicationStat(standbyName, "(extract(epoch from replay_lag) * 1000000)::bigint")
                .map(micros -> Duration.of(Long.parseLong(micros), ChronoUnit.MICROS));
    }

    private Optional<String> replicationStat(String standbyName, String expression) {
        String sql = "SELECT " + expression + " FROM pg_stat_replication WHERE application_name = ?";
        try (Connection c = adminDataSource().getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, standbyName);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new IllegalStateException("no standby named " + standbyName + " streams from port " + port);
                }
                return Optional.ofNullable(rs.getString(1));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " failed", e);
        }
    }

    /** Reserves WAL now, so that the WAL from the backup's start on stays until the standby has streamed it. */
    private void createPhysicalSlot(String name) {
        try (Connection c = adminDataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT pg_create_physical_replication_slot(?, true)")) {
            ps.setString(1, name);
            ps.execute();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create replication slot " + name + " on port " + port, e);
        }
    }

    /**
     * Copies this server's data directory to {@code target} between {@code pg_backup_start} and
     * {@code pg_backup_stop} in one session (closing the session aborts the backup) and writes the backup label.
     *
     * @return the primary's WAL position right after the backup, which the standby must replay before it is ready
     */
    private long baseBackup(Path target, String label) {
        try {
            Files.createDirectories(target);
            // first, so that the stale-directory clean-up of other starts sees a live owner throughout the copy
            Owner.writeCurrent(target);
            Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwx------")); // postgres insists
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + target, e);
        }
        try (Connection c = adminDataSource().getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("SELECT pg_backup_start(?, true)")) { // true: checkpoint now
                ps.setString(1, label);
                ps.execute();
            }
            copyForBackup(dataDirectory, target);
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT labelfile, spcmapfile FROM pg_backup_stop(false)")) {
                rs.next();
                Files.writeString(target.resolve("backup_label"), rs.getString(1), StandardCharsets.UTF_8);
                String spcmap = rs.getString(2);
                if (spcmap != null && !spcmap.isEmpty()) {
                    Files.writeString(target.resolve("tablespace_map"), spcmap, StandardCharsets.UTF_8);
                }
            }
            return lsn(queryString(c, "SELECT pg_current_wal_lsn()"));
        } catch (SQLException e) {
            throw new IllegalStateException("base backup of PostgreSQL on port " + port + " failed", e);
        } catch (IOException e) {
            throw new UncheckedIOException("base backup of PostgreSQL on port " + port + " into " + target + " failed", e);
        }
    }

    /** The running server's files as the docs say a base backup takes them; files that vanish meanwhile are fine. */
    static void copyForBackup(Path source, Path target) throws IOException {
        Files.walkFileTree(source, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Path rel = source.relativize(dir);
                if (dir.getFileName().toString().startsWith("pgsql_tmp")) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                Path copy = target.resolve(rel.toString());
                if (!rel.toString().isEmpty()) {
                    Files.createDirectories(copy);
                    try {
                        Files.setPosixFilePermissions(copy, Files.getPosixFilePermissions(dir));
                    } catch (NoSuchFileException e) {
                        return FileVisitResult.SKIP_SUBTREE;
                    }
                }
                if (rel.getNameCount() == 1 && EMPTY_IN_BACKUP.contains(rel.toString())) {
                    if (rel.toString().equals("pg_wal")) {
                        Files.createDirectories(copy.resolve("archive_status"));
                    }
                    return FileVisitResult.SKIP_SUBTREE;
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Path rel = source.relativize(file);
                if (file.getFileName().toString().startsWith("pgsql_tmp")
                        || rel.getNameCount() == 1 && NOT_IN_BACKUP.contains(rel.toString())) {
                    return FileVisitResult.CONTINUE;
                }
                try {
                    Files.copy(file, target.resolve(rel.toString()), StandardCopyOption.COPY_ATTRIBUTES,
                            LinkOption.NOFOLLOW_LINKS);
                } catch (NoSuchFileException e) {
                    // dropped meanwhile (e.g. a table): replaying the WAL removes it on the standby too
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, @Nullable IOException e) throws IOException {
                if (e != null && !(e instanceof NoSuchFileException)) {
                    throw e;
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /**
     * Makes the copy a standby of this server. The settings go to postgresql.auto.conf (as pg_basebackup -R
     * writes them): zonky passes server settings through pg_ctl's shell, where a conninfo with spaces breaks.
     */
    private void writeStandbyConfig(Path dir, String name) {
        String conf = "\n# standby of the embedded PostgreSQL on port " + port + "\n"
                + "primary_conninfo = 'host=localhost port=" + port + " user=" + USERNAME + " application_name=" + name + "'\n"
                + "primary_slot_name = '" + name + "'\n"
                + "hot_standby = on\n"
                // replay positions reach pg_stat_replication every second rather than every 10 s
                + "wal_receiver_status_interval = 1s\n";
        try {
            Files.writeString(dir.resolve("postgresql.auto.conf"), conf, StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            Files.createFile(dir.resolve("standby.signal"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot configure the standby in " + dir, e);
        }
    }

    /** On a standby: polls until it is in recovery and has replayed up to {@code targetLsn}. */
    private void awaitReplay(long targetLsn, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String replayed = null;
        try (Connection c = adminDataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()")) {
            while (true) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        throw new IllegalStateException("the standby on port " + port + " is not in recovery");
                    }
                    replayed = rs.getString(2);
                }
                if (replayed != null && Long.compareUnsigned(lsn(replayed), targetLsn) >= 0) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the standby on port " + port + " did not replay up to "
                            + lsnText(targetLsn) + " within " + timeout.toSeconds() + " s (replayed: " + replayed
                            + "); does the primary accept replication connections from localhost (pg_hba.conf)?");
                }
                Thread.sleep(20);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the replay position of the standby on port " + port, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the standby on port " + port, e);
        }
    }

    /**
     * Drops inactive slots of standbys whose JVM is gone (killed before its close()): on a kept data directory
     * nothing else would, and each retains WAL forever. Best effort.
     */
    private void dropSlotsOfGoneStandbys() {
        List<String> gone = new ArrayList<>();
        try (Connection c = adminDataSource().getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT slot_name FROM pg_replication_slots WHERE slot_type = 'physical' AND NOT active"
                        + " AND starts_with(slot_name, ?)")) {
            ps.setString(1, STANDBY_PREFIX);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String slot = rs.getString(1);
                    String[] parts = slot.split("_");
                    try {
                        if (parts.length == 3
                                && ProcessHandle.of(Long.parseLong(parts[1])).filter(Processes::isRunning).isEmpty()) {
                            gone.add(slot);
                        }
                    } catch (NumberFormatException e) {
                        // not one of ours
                    }
                }
            }
        } catch (SQLException e) {
            log.warn("cannot list the replication slots on port {}", port, e);
            return;
        }
        for (String slot : gone) {
            log.warn("Dropping replication slot {} on port {}: the JVM of its standby is gone", slot, port);
            dropReplicationSlot(slot);
        }
    }

    /** For a standby: drops its slot on the primary, if that still runs (a slot left behind retains WAL forever). */
    private void dropStandbySlot() {
        if (primary != null && standbyName != null) {
            primary.dropReplicationSlot(standbyName);
        }
    }

    private void dropReplicationSlot(String slot) {
        if (closed.get()) {
            return; // a temporary primary's slots went with its directory; a kept one keeps them (see startStandby)
        }
        PGSimpleDataSource ds = pgDataSource("postgres");
        // never hang a standby's close on a primary that is going away
        ds.setConnectTimeout(2);
        ds.setSocketTimeout((int) STOP_TIMEOUT.toSeconds());
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        try (Connection c = ds.getConnection();
             PreparedStatement drop = c.prepareStatement(
                     "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = ?");
             PreparedStatement terminate = c.prepareStatement(
                     "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = ?")) {
            drop.setString(1, slot);
            terminate.setString(1, slot);
            while (true) {
                try {
                    drop.execute();
                    return;
                } catch (SQLException e) {
                    // 55006: the walsender of the standby just stopped still holds the slot
                    if (!"55006".equals(e.getSQLState()) || System.nanoTime() > deadline) {
                        throw e;
                    }
                }
                terminate.execute();
                Thread.sleep(10);
            }
        } catch (SQLException e) {
            if (!closed.get()) {
                log.warn("cannot drop replication slot {} on port {}: it retains WAL until dropped", slot, port, e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A pg_lsn ("16/B374D848") as a number. */
    static long lsn(String text) {
        int slash = text.indexOf('/');
        return Long.parseUnsignedLong(text.substring(0, slash), 16) << 32 | Long.parseUnsignedLong(text.substring(slash + 1), 16);
    }

    private static String lsnText(long lsn) {
        return Long.toHexString(lsn >>> 32).toUpperCase(Locale.ROOT) + "/" + Long.toHexString(lsn & 0xFFFF_FFFFL).toUpperCase(Locale.ROOT);
    }

    // ---------------------------------------------------------------- stale instances

    /**
     * Temporary directories under {@code root} whose owner JVM is gone: stop their postmaster (if
     * it is still running) and delete them. Directories without an owner record are left alone.
     */
    static void cleanStaleTemporaryDirectories(Path root) {
        synchronized (CLEANUP_LOCK) {
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root, TEMP_PREFIX + "*")) {
                for (Path dir : dirs) {
                    Optional<Owner> owner = Owner.read(dir);
                    if (owner.isEmpty()) {
                        // e.g. a deletion cut short by a JVM exit; never a live server's directory
                        // (the owner record is written right after initdb and deleted last)
                        if (Owner.isAbandoned(dir) && runningPostmaster(dir).isEmpty()) {
                            log.info("Removing abandoned PostgreSQL directory {}", dir);
                            Owner.deleteRecursively(dir);
                        }
                        continue;
                    }
                    if (owner.get().isAlive()) {
                        continue;
                    }
                    log.warn("Removing PostgreSQL directory {} left by JVM {} (gone)", dir, owner.get().pid());
                    if (stopStalePostmaster(dir, false, true)) {
                        Owner.deleteRecursively(dir);
                    }
                }
            } catch (IOException e) {
                log.warn("cannot scan {} for stale PostgreSQL directories", root, e);
            }
        }
    }

    /**
     * If a postmaster runs on {@code dataDir}: stop it when its owner JVM is gone; else fail (when
     * {@code failIfInUse}) because the directory is in use by a live JVM or by a server that this
     * code did not start. {@code discardData}: the directory is deleted next, so no clean shutdown.
     *
     * @return true if no postmaster runs on the directory any more
     */
    static boolean stopStalePostmaster(Path dataDir, boolean failIfInUse, boolean discardData) {
        Optional<ProcessHandle> postmaster = runningPostmaster(dataDir);
        if (postmaster.isEmpty()) {
            return true;
        }
        long pid = postmaster.get().pid();
        Optional<Owner> owner = Owner.read(dataDir);
        if (owner.isEmpty()) {
            if (failIfInUse) {
                throw new IllegalStateException("PostgreSQL (pid " + pid + ") already runs on " + dataDir
                        + " and was not started by embedded-servers: stop it first");
            }
            return false;
        }
        if (owner.get().isAlive()) {
            if (failIfInUse) {
                throw new IllegalStateException("PostgreSQL (pid " + pid + ") on " + dataDir
                        + " is in use by the running JVM " + owner.get().pid());
            }
            return false;
        }
        log.warn("Stopping stale PostgreSQL (pid {}) on {}: its JVM {} is gone", pid, dataDir, owner.get().pid());
        // SIGINT = fast shutdown (clients disconnected, clean checkpoint), then SIGQUIT (immediate,
        // directly when the data is deleted anyway), then SIGKILL
        for (String signal : discardData ? List.of("QUIT") : List.of("INT", "QUIT")) {
            signal(pid, signal);
            if (awaitExit(postmaster.get(), signal.equals("INT") ? Duration.ofSeconds(20) : Duration.ofSeconds(5))) {
                return true;
            }
        }
        postmaster.get().destroyForcibly();
        return awaitExit(postmaster.get(), Duration.ofSeconds(5));
    }

    /** The live postmaster whose pid is in {@code dataDir/postmaster.pid} and whose command line names that directory. */
    static Optional<ProcessHandle> runningPostmaster(Path dataDir) {
        Path pidFile = dataDir.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return Optional.empty();
        }
        long pid;
        try {
            List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
            if (lines.isEmpty()) {
                return Optional.empty();
            }
            pid = Long.parseLong(lines.get(0).trim());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid).filter(Processes::isRunning);
        if (handle.isEmpty()) {
            return Optional.empty();
        }
        // guard against pid reuse: the process must be a postgres serving this very directory
        String cmdline;
        try {
            cmdline = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                    StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            cmdline = handle.get().info().commandLine().orElse("");
        }
        if (!cmdline.contains("postgres") || !cmdline.contains(dataDir.toString())) {
            return Optional.empty();
        }
        return handle;
    }

    private static void signal(long pid, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            kill.waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            log.warn("kill -{} {} failed", signal, pid, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean awaitExit(ProcessHandle handle, Duration timeout) {
        return Processes.awaitExit(handle, timeout);
    }
}
