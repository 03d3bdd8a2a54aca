package org.agentplatform.embedded;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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

    private PostgresServer(EmbeddedPostgres postgres, Path dataDirectory, boolean temporary, int port,
                           Optional<ProcessHandle> postmaster) {
        this.postgres = postgres;
        this.dataDirectory = dataDirectory;
        this.temporary = temporary;
        this.port = port;
        this.postmaster = postmaster;
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
                PostgresServer server = startOnce(dir, temporary, p);
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

    private static PostgresServer startOnce(Path dir, boolean temporary, int port) {
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
        PostgresServer server = new PostgresServer(pg, dir, temporary, port, runningPostmaster(dir));
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

    /** Creates the database if it does not exist yet. */

    /** A data source for the "postgres" database as superuser, for admin work in tests. */
    @Override
    public DataSource adminDataSource() {
        return dataSource("postgres");
    }

    /** A (non-pooled) data source for {@code database} as superuser. */
    @Override
    public DataSource dataSource(String database) {
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
        try (Connection c = adminDataSource().getConnection();
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " failed", e);
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
