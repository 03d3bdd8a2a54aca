package org.agentplatform.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** A real streaming physical standby of the embedded PostgreSQL, made with the low-level backup API. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandbyServerTest {

    private static final Duration AWAIT = Duration.ofSeconds(30);
    private static final List<PostgresServer> servers = new ArrayList<>();
    private static PostgresServer primary;
    private static PostgresServer standby;

    @BeforeAll
    static void start() throws SQLException {
        primary = started(PostgresServer.start(null, 0));
        primary.createDatabase("shop");
        try (Connection c = primary.dataSource("shop").getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE item (id int primary key, name text)");
            s.execute("INSERT INTO item SELECT i, 'item ' || i FROM generate_series(1, 100) i");
        }
        long t0 = System.nanoTime();
        standby = started(primary.startStandby());
        System.out.printf("standby started in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    }

    @AfterAll
    static void stop() {
        // standbys first, so that their slots are dropped while the primary still runs
        for (int i = servers.size() - 1; i >= 0; i--) {
            servers.get(i).close();
        }
    }

    private static PostgresServer started(PostgresServer server) {
        servers.add(server);
        return server;
    }

    @Test
    @Order(1)
    void theStandbyServesThePrimarysDataReadOnly() throws SQLException {
        assertThat(standby.port()).isNotEqualTo(primary.port());
        assertThat(standby.version()).startsWith("16.");
        await().atMost(AWAIT).untilAsserted(() -> assertThat(count(standby.dataSource("shop"), "item")).isEqualTo(100));
        assertThat(standby.inRecovery()).isTrue();
        assertThat(primary.inRecovery()).isFalse();
        assertThat(queryBoolean(standby.adminDataSource(), "SELECT pg_is_in_recovery()")).isTrue();
        assertThat(queryBoolean(primary.adminDataSource(), "SELECT pg_is_in_recovery()")).isFalse();

        Properties props = new Properties();
        props.setProperty("user", standby.username());
        try (Connection c = DriverManager.getConnection(standby.jdbcUrl("shop"), props); Statement s = c.createStatement()) {
            assertThatThrownBy(() -> s.execute("INSERT INTO item VALUES (1000, 'refused')"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("25006"));
        }
        // zonky's initdb (-A trust) keeps PostgreSQL's sample rules: replication over localhost is trusted
        assertThat(count(primary.adminDataSource(), "pg_hba_file_rules WHERE type = 'host' AND database = '{replication}'"
                + " AND address IN ('127.0.0.1', '::1') AND auth_method = 'trust'")).isEqualTo(2);
        assertThatThrownBy(() -> standby.createDatabase("elsewhere"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("read-only standby")
                .hasMessageContaining("primary");
    }

    @Test
    @Order(2)
    void rowsAndDatabasesWrittenLaterArriveAndTheLagDropsToZero() throws SQLException {
        try (Connection c = primary.dataSource("shop").getConnection(); Statement s = c.createStatement()) {
            s.execute("INSERT INTO item SELECT i, 'later ' || i FROM generate_series(101, 150) i");
        }
        primary.createDatabase("later_db");
        long lag = primary.replicationLagBytes(standby.standbyName());
        assertThat(lag).isGreaterThanOrEqualTo(0);
        System.out.printf("replication lag right after the writes: %d bytes, replay_lag %s%n", lag,
                primary.replayLag(standby.standbyName()));

        await().atMost(AWAIT).untilAsserted(() -> assertThat(count(standby.dataSource("shop"), "item")).isEqualTo(150));
        await().atMost(AWAIT).untilAsserted(() ->
                assertThat(count(standby.adminDataSource(), "pg_database WHERE datname = 'later_db'")).isEqualTo(1));
        await().atMost(AWAIT).until(() -> primary.replicationLagBytes(standby.standbyName()) == 0);
        assertThatThrownBy(() -> primary.replicationLagBytes("no_such_standby"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no_such_standby");
    }

    @Test
    @Order(3)
    void closingAStandbyDropsItsSlotAndDeletesItsDirectory() throws Exception {
        // as if a killed JVM had left the slot of its standby behind
        Process exited = new ProcessBuilder("true").start();
        exited.waitFor();
        String leftBehind = PostgresServer.STANDBY_PREFIX + exited.pid() + "_deadbeef";
        try (Connection c = primary.adminDataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT pg_create_physical_replication_slot(?, true)")) {
            ps.setString(1, leftBehind);
            ps.execute();
        }

        PostgresServer other = started(primary.startStandby());
        assertThat(slots(leftBehind)).isZero();
        String slot = other.standbyName();
        Path dir = other.dataDirectory();
        assertThat(dir).startsWith(Owner.temporaryRoot());
        assertThat(Owner.read(dir)).hasValueSatisfying(o -> assertThat(o.isCurrentJvm()).isTrue());
        assertThat(slots(slot)).isEqualTo(1);
        assertThat(count(other.dataSource("shop"), "item")).isGreaterThanOrEqualTo(100);

        other.close();
        assertThat(slots(slot)).isZero();
        assertThat(dir).doesNotExist();
        assertThat(PostgresServer.runningPostmaster(dir)).isEmpty();
        // the first standby still streams
        assertThat(slots(standby.standbyName())).isEqualTo(1);
    }

    @Test
    @Order(4)
    void aStandbyClosesPromptlyAfterItsPrimary() {
        PostgresServer otherPrimary = started(PostgresServer.start(null, 0));
        PostgresServer otherStandby = started(otherPrimary.startStandby());
        Path dir = otherStandby.dataDirectory();
        otherPrimary.close();
        long t0 = System.nanoTime();
        otherStandby.close();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("standby closed %d ms after its primary%n", ms);
        assertThat(ms).isLessThan(5_000);
        assertThat(dir).doesNotExist();
    }

    private static long slots(String name) throws SQLException {
        try (Connection c = primary.adminDataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_replication_slots WHERE slot_name = ?")) {
            ps.setString(1, name);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static long count(DataSource ds, String from) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM " + from)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static boolean queryBoolean(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getBoolean(1);
        }
    }
}
