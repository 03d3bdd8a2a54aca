package org.agentplatform.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PostgresServerTest {

    private static PostgresServer server;

    @BeforeAll
    static void start() {
        long t0 = System.nanoTime();
        server = PostgresServer.start(null, 0);
        System.out.printf("PostgreSQL (temporary) started in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void runsPostgres16ConfiguredForLogicalReplicationAndDurableCommits() throws SQLException {
        try (Connection c = server.adminDataSource().getConnection()) {
            assertThat(show(c, "server_version")).startsWith("16.");
            assertThat(show(c, "wal_level")).isEqualTo("logical");
            assertThat(show(c, "synchronous_commit")).isEqualTo("on");
            assertThat(show(c, "fsync")).isEqualTo("on");
            assertThat(show(c, "full_page_writes")).isEqualTo("on");
            assertThat(show(c, "max_connections")).isEqualTo("400");
            assertThat(show(c, "max_replication_slots")).isEqualTo("32");
            assertThat(show(c, "max_wal_senders")).isEqualTo("32");
        }
        assertThat(server.username()).isEqualTo("postgres");
        assertThat(server.jdbcUrl("db1"))
                .isEqualTo("jdbc:postgresql://localhost:" + server.port() + "/db1?reWriteBatchedInserts=true");
    }

    @Test
    void createsALogicalReplicationSlotWithPgoutput() throws SQLException {
        server.createDatabase("slots");
        try (Connection c = server.dataSource("slots").getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE t (id int primary key, v text)");
            s.execute("CREATE PUBLICATION pub FOR TABLE t");
            try (ResultSet rs = s.executeQuery("SELECT slot_name FROM pg_create_logical_replication_slot('s1', 'pgoutput')")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString(1)).isEqualTo("s1");
            }
            s.execute("INSERT INTO t VALUES (1, 'a')");
            try (ResultSet rs = s.executeQuery(
                    "SELECT count(*) FROM pg_logical_slot_peek_binary_changes('s1', NULL, NULL, "
                            + "'proto_version', '1', 'publication_names', 'pub')")) {
                rs.next();
                assertThat(rs.getInt(1)).isGreaterThanOrEqualTo(3); // BEGIN, RELATION, INSERT, COMMIT
            }
            s.execute("SELECT pg_drop_replication_slot('s1')");
        }
    }

    @Test
    void createDatabaseIsIdempotentAndTheJdbcUrlWorks() throws SQLException {
        server.createDatabase("orders");
        server.createDatabase("orders");
        Properties props = new Properties();
        props.setProperty("user", server.username());
        try (Connection c = DriverManager.getConnection(server.jdbcUrl("orders"), props);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT current_database()")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("orders");
        }
    }

    @Test
    void temporaryDataDirectoryLivesUnderTmpdirAndIsDeletedOnClose() {
        PostgresServer other = PostgresServer.start(null, 0);
        Path dir = other.dataDirectory();
        assertThat(dir).startsWith(Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath());
        assertThat(dir.resolve(Owner.FILE_NAME)).exists();
        assertThat(other.port()).isNotEqualTo(server.port());
        other.close();
        assertThat(dir).doesNotExist();
        assertThat(PostgresServer.runningPostmaster(dir)).isEmpty();
    }

    @Test
    void closeWaitsForTheShutdownBeforeDeletingTheDataEvenAfterMuchWork() throws SQLException {
        PostgresServer other = PostgresServer.start(null, 0);
        Path dir = other.dataDirectory();
        long pid = PostgresServer.runningPostmaster(dir).orElseThrow().pid();
        for (int i = 0; i < 16; i++) {
            other.createDatabase("db" + i);
        }
        other.close();
        assertThat(ProcessHandle.of(pid).map(Processes::isRunning).orElse(false)).isFalse();
        assertThat(dir).doesNotExist();
    }

    @Test
    void restartOnTheSameDataDirectoryKeepsTheData(@TempDir Path tmp) throws SQLException {
        Path dir = tmp.resolve("pgdata");
        int port;
        try (PostgresServer first = PostgresServer.start(dir, 0)) {
            port = first.port();
            first.createDatabase("kept");
            try (Connection c = first.dataSource("kept").getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE kept (id int primary key)");
                s.execute("INSERT INTO kept VALUES (42)");
            }
        }
        assertThat(dir.resolve("postgresql.conf")).exists();
        long t0 = System.nanoTime();
        try (PostgresServer second = PostgresServer.start(dir, port)) {
            System.out.printf("PostgreSQL restart on an existing data directory took %d ms%n",
                    (System.nanoTime() - t0) / 1_000_000);
            assertThat(second.port()).isEqualTo(port);
            try (Connection c = second.dataSource("kept").getConnection();
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT id FROM kept")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getInt(1)).isEqualTo(42);
            }
        }
        assertThat(dir).exists();
    }

    @Test
    void aPostmasterLeftByAKilledJvmIsStoppedOnTheNextStart(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("pgdata");
        ChildJvm child = ChildJvm.start(StartPostgresMain.class, dir.toString());
        long postmasterPid;
        try {
            child.awaitLine("READY", 60);
            postmasterPid = PostgresServer.runningPostmaster(dir).orElseThrow().pid();
        } finally {
            child.kill();
        }
        // the killed JVM left its postmaster running
        assertThat(ProcessHandle.of(postmasterPid).map(Processes::isRunning)).contains(true);

        try (PostgresServer again = PostgresServer.start(dir, 0)) {
            assertThat(ProcessHandle.of(postmasterPid).map(Processes::isRunning).orElse(false)).isFalse();
            assertThat(PostgresServer.runningPostmaster(dir).orElseThrow().pid()).isNotEqualTo(postmasterPid);
            try (Connection c = again.dataSource("child").getConnection();
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT count(*) FROM marker")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(1);
            }
        }
    }

    @Test
    void temporaryDirectoriesOfKilledJvmsAreCleanedUp() throws Exception {
        ChildJvm child = ChildJvm.start(StartPostgresMain.class, "-");
        Path dir;
        long postmasterPid;
        try {
            String line = child.awaitLine("READY", 60);
            dir = Path.of(line.substring("READY ".length()).trim());
            postmasterPid = PostgresServer.runningPostmaster(dir).orElseThrow().pid();
        } finally {
            child.kill();
        }
        assertThat(dir).exists();
        PostgresServer.cleanStaleTemporaryDirectories(Owner.temporaryRoot());
        assertThat(dir).doesNotExist();
        assertThat(ProcessHandle.of(postmasterPid).map(Processes::isRunning).orElse(false)).isFalse();
        // our own running server is untouched
        try (Connection c = server.adminDataSource().getConnection()) {
            assertThat(c.isValid(1)).isTrue();
        }
    }

    @Test
    void aPostmasterOfALiveOwnerIsNotTouched(@TempDir Path tmp) {
        Path dir = tmp.resolve("pgdata");
        try (PostgresServer first = PostgresServer.start(dir, 0)) {
            long pid = PostgresServer.runningPostmaster(dir).orElseThrow().pid();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> PostgresServer.start(dir, 0))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("in use");
            assertThat(ProcessHandle.of(pid).map(Processes::isRunning)).contains(true);
            assertThat(first.version()).startsWith("16.");
        }
    }

    private static String show(Connection c, String setting) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** Child JVM: starts PostgreSQL ("-" = temporary), writes a marker row, prints READY and waits to be killed. */
    public static final class StartPostgresMain {
        public static void main(String[] args) throws Exception {
            Path dir = args[0].equals("-") ? null : Path.of(args[0]);
            PostgresServer pg = PostgresServer.start(dir, 0);
            pg.createDatabase("child");
            try (Connection c = pg.dataSource("child").getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE TABLE IF NOT EXISTS marker (id int)");
                s.execute("INSERT INTO marker VALUES (1)");
            }
            System.out.println("READY " + pg.dataDirectory());
            System.out.flush();
            new java.util.concurrent.CountDownLatch(1).await(); // until the test kills this JVM
        }
    }
}
