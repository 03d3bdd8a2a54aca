package org.agentplatform.ingest.reads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;

import org.agentplatform.embedded.ClassEnvironments;
import org.agentplatform.embedded.PostgresEndpoint;
import org.agentplatform.embedded.PostgresServer;
import org.agentplatform.embedded.TestEnvironment;
import org.agentplatform.embedded.TestServers;
import org.agentplatform.ingest.AbstractIngestIntegrationTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.contributor.Status;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.servlet.client.RestTestClient;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * The read endpoints on a real streaming standby of the real primary: reads run where {@code pg_is_in_recovery()}
 * is true, a write there is refused, the lag is measured, and a client reads what it just wrote even while the
 * standby's replay is paused (the read waits, then the primary serves it).
 */
@TestPropertySource(properties = { "ingest.read-replica.max-wait=5s", "ingest.read-replica.pass-over=10s",
        "ingest.read-replica.max-lag-bytes=0" })
class ReadReplicaIntegrationTest extends AbstractIngestIntegrationTest {

    private static PostgresServer standby;

    @DynamicPropertySource
    static void replica(DynamicPropertyRegistry registry) {
        PostgresEndpoint primary = TestServers.postgres();
        Assumptions.assumeTrue(primary instanceof PostgresServer,
                "a standby is started from the embedded PostgreSQL, not from a container");
        // the class's database first, so that the standby's base backup holds it
        TestEnvironment env = ClassEnvironments.of(ReadReplicaIntegrationTest.class);
        standby = ((PostgresServer) primary).startStandby();
        String database = env.jdbcUrl().replaceAll("^.*/([^/?]+)(\\?.*)?$", "$1");
        registry.add("ingest.read-replica.url", () -> standby.jdbcUrl(database));
    }

    @AfterAll
    static void stopStandby() {
        if (standby != null) {
            standby.close();
        }
    }

    @Autowired
    ReadSource reads;

    @Autowired
    ReplicaLag lag;

    @Autowired
    MeterRegistry meters;

    RestTestClient http;

    @BeforeEach
    void client() {
        http = RestTestClient.bindToServer().baseUrl("http://localhost:" + port).build();
    }

    @Test
    void readsRunOnTheStandbyAndWritesAreRefusedThere() {
        assertThat(reads.hasReplica()).isTrue();
        Boolean inRecovery = reads.query(jdbc -> jdbc.sql("select pg_is_in_recovery()").query(Boolean.class).single());
        assertThat(inRecovery).isTrue();
        assertThat(jdbc.sql("select pg_is_in_recovery()").query(Boolean.class).single()).isFalse();

        UUID agent = UUID.randomUUID();
        assertThatThrownBy(() -> reads.query(jdbc -> insertAgent(jdbc, agent, "written on the standby")))
                .isInstanceOf(DataAccessException.class)
                .satisfies(e -> assertThat(((SQLException) ((DataAccessException) e).getMostSpecificCause()).getSQLState())
                        .isEqualTo("25006"));
        // not retried on the primary either
        assertThat(jdbc.sql("select count(*) from agents where id = ?").param(agent).query(Long.class).single()).isZero();
    }

    @Test
    void aClientReadsItsOwnWriteWhileTheStandbyIsBehind() throws SQLException {
        JdbcClient onStandby = JdbcClient.create(standby.dataSource(databaseOf()));
        UUID before = UUID.randomUUID();
        insertAgent(jdbc, before, "before the pause");
        await().atMost(Duration.ofSeconds(30)).until(() ->
                onStandby.sql("select count(*) from agents where id = ?").param(before).query(Long.class).single() == 1);
        double onReplica = count("replica");
        get(before).expectStatus().isOk().expectBody().jsonPath("$.name").isEqualTo("before the pause");
        assertThat(count("replica")).isEqualTo(onReplica + 1);

        onStandby.sql("select pg_wal_replay_pause()").query(String.class).single();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> "paused".equals(
                    onStandby.sql("select pg_get_wal_replay_pause_state()").query(String.class).single()));
            UUID written = UUID.randomUUID();
            insertAgent(jdbc, written, "while the standby is paused");
            double fellBack = count("primary-fallback");

            // the standby has not replayed it: the read waits max-wait for it, then the primary answers
            get(written).expectStatus().isOk().expectBody().jsonPath("$.name").isEqualTo("while the standby is paused");
            assertThat(count("primary-fallback")).isEqualTo(fellBack + 1);
            // and the next read does not wait again: it goes to the primary straight away, within the pass-over
            double passedOver = count("primary-pass-over");
            get(written).expectStatus().isOk();
            assertThat(count("primary-pass-over")).isEqualTo(passedOver + 1);
            assertThat(onStandby.sql("select count(*) from agents where id = ?").param(written).query(Long.class)
                    .single()).isZero();

            ReplicaLag.Measurement behind = measure();
            assertThat(behind.inRecovery()).isTrue();
            assertThat(behind.bytes()).isPositive();
            // the health and the gauges share a measurement for up to a second
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                assertThat(lag.health().getStatus()).isEqualTo(Status.DOWN);
                assertThat(meters.get("ingest.read.replica.lag.bytes").gauge().value()).isPositive();
                // received, not replayed: the newest replayed commit's age
                assertThat(meters.get("ingest.read.replica.lag.seconds").gauge().value()).isPositive();
            });
        } finally {
            onStandby.sql("select pg_wal_replay_resume()").query(String.class).single();
        }

        // caught up again (max-lag-bytes 0: any WAL not yet replayed is DOWN, so this waits for none)
        await().atMost(Duration.ofSeconds(30)).until(() -> Status.UP.equals(lag.health().getStatus()));
        assertThat(lag.health().getDetails()).containsKeys("lagBytes", "lagSeconds");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> meters.get("ingest.read.replica.lag.seconds").gauge().value() == 0);
        // once the pass-over is over, reads are the replica's again
        double replicaReads = count("replica");
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            get(before).expectStatus().isOk();
            assertThat(count("replica")).isGreaterThan(replicaReads);
        });
    }

    private RestTestClient.ResponseSpec get(UUID agent) {
        return http.get().uri("/agents/{id}", agent).headers(h -> h.setBearerAuth(ADMIN)).exchange();
    }

    private ReplicaLag.Measurement measure() throws SQLException {
        return lag.measure();
    }

    private double count(String source) {
        return meters.get("ingest.reads").tag("source", source).counter().count();
    }

    private String databaseOf() {
        return env.jdbcUrl().replaceAll("^.*/([^/?]+)(\\?.*)?$", "$1");
    }

    private static int insertAgent(JdbcClient jdbc, UUID agent, String name) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        return jdbc.sql("insert into agents (id, name, status, created_at, updated_at) values (?, ?, 'ACTIVE', ?, ?)")
                .params(agent, name, now, now).update();
    }
}
