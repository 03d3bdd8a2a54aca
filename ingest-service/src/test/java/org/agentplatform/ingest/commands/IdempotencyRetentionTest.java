package org.agentplatform.ingest.commands;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;

import org.agentplatform.embedded.TestEnvironment;
import org.agentplatform.embedded.TestServers;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

class IdempotencyRetentionTest {

    static final TestEnvironment env = TestServers.newEnvironment();

    @Test
    void keysAndIssuersOlderThanTheRetentionArePurgedOthersKept() {
        Flyway.configure().dataSource(env.jdbcUrl(), env.username(), env.password()).load().migrate();
        JdbcClient jdbc = JdbcClient.create(new DriverManagerDataSource(env.jdbcUrl(), env.username(), env.password()));
        Instant now = Instant.parse("2026-01-10T00:00:00Z");
        insert(jdbc, "old", now.minus(Duration.ofDays(7)).minusSeconds(1));
        insert(jdbc, "young", now.minus(Duration.ofDays(7)).plusSeconds(1));

        IdempotencyRetention retention = new IdempotencyRetention(jdbc, Clock.fixed(now, ZoneOffset.UTC),
                new IdempotencyRetention.Properties(Duration.ofDays(7), Duration.ofHours(1)));

        UUID oldCommand = UUID.randomUUID();
        UUID youngCommand = UUID.randomUUID();
        issuer(jdbc, oldCommand, now.minus(Duration.ofDays(7)).minusSeconds(1));
        issuer(jdbc, youngCommand, now.minus(Duration.ofDays(7)).plusSeconds(1));

        assertThat(retention.purge()).isEqualTo(2);
        assertThat(jdbc.sql("select idempotency_key from idempotency_keys").query(String.class).list()).containsExactly("young");
        assertThat(jdbc.sql("select command_id from command_issuers").query(UUID.class).list()).containsExactly(youngCommand);
    }

    private static void issuer(JdbcClient jdbc, UUID commandId, Instant issuedAt) {
        jdbc.sql("insert into command_issuers (command_id, issuer, issued_at) values (?, 'admin', ?)")
                .params(commandId, issuedAt.atOffset(ZoneOffset.UTC)).update();
    }

    private static void insert(JdbcClient jdbc, String key, Instant createdAt) {
        jdbc.sql("""
                insert into idempotency_keys (caller, idempotency_key, command_id, fingerprint, created_at)
                values ('admin', ?, ?, 'f', ?)""").params(key, UUID.randomUUID(), createdAt.atOffset(ZoneOffset.UTC)).update();
    }
}
