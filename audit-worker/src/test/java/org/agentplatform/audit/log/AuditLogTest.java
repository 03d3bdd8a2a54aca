package org.agentplatform.audit.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import io.micrometer.core.instrument.MeterRegistry;
import org.agentplatform.audit.AuditWorkerIntegrationTest;
import org.agentplatform.audit.Ledger;
import org.agentplatform.embedded.TopicTail;
import org.agentplatform.schema.audit.AuditChange;
import org.agentplatform.schema.audit.AuditChange.Operation;
import org.agentplatform.schema.audit.AuditChangeCodec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.core.KafkaTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** The audit log: exactly once, hash chained, append-only, and verified (chain and live rows). */
class AuditLogTest extends AuditWorkerIntegrationTest {

    @Test
    void logsEveryChangeOnceInAnAppendOnlyHashChainThatVerifiesAndNamesATamperedEntry() throws Exception {
        ConfigurableApplicationContext context = startRunning();
        long seed = auditedRows(); // the treasury and other system rows of the migrations
        long expected = seed + 10;
        DataSource db = superuser();
        JdbcClient sql = JdbcClient.create(db);
        Ledger ledger = new Ledger(db);
        Ledger.Written alice = ledger.registerAndGrant("alice", 100);
        Ledger.Written bob = ledger.registerAndGrant("bob", 7);

        // the snapshot of the seeded rows plus five row changes per transaction, each once
        await().atMost(Duration.ofSeconds(60)).until(() -> logCount() == expected);
        assertThat(logCountOfTx(alice.txId())).isEqualTo(5);
        assertThat(logCountOfTx(bob.txId())).isEqualTo(5);
        Verification intact = verify(context);
        assertThat(intact.ok()).as(intact.report().toString()).isTrue();
        assertThat(intact.report().get("entries").asLong()).isEqualTo(expected);
        assertThat(intact.report().get("rowsChecked").asLong()).isEqualTo(seed + 6); // 2 agents, 2 accounts, 2 transfers

        // each hash is sha256(previous hash || stored canonical change), from 32 zero bytes
        List<Map<String, Object>> rows = sql.sql("select seq, change, prev_hash, hash from audit_log order by seq")
                .query().listOfRows();
        byte[] prev = new byte[32];
        for (Map<String, Object> row : rows) {
            assertThat((byte[]) row.get("prev_hash")).isEqualTo(prev);
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            sha.update(prev);
            sha.update(((String) row.get("change")).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            prev = sha.digest();
            assertThat(HexFormat.of().formatHex((byte[]) row.get("hash"))).isEqualTo(HexFormat.of().formatHex(prev));
        }

        // a replay of the whole stream (as after an engine crash) adds nothing
        TopicTail reader = reader(env.topic("audit.changes"));
        List<ConsumerRecord<String, byte[]>> published = await().atMost(Duration.ofSeconds(30))
                .until(() -> reader.records(env.topic("audit.changes")), r -> r.size() == expected);
        @SuppressWarnings("unchecked")
        KafkaTemplate<String, byte[]> kafka = context.getBean(KafkaTemplate.class);
        for (ConsumerRecord<String, byte[]> r : published) {
            kafka.send(new ProducerRecord<>(r.topic(), null, r.key(), r.value(), r.headers()));
        }
        kafka.flush();
        MeterRegistry meters = context.getBean(MeterRegistry.class);
        await().atMost(Duration.ofSeconds(30)).until(() -> meters.get("audit.log.duplicates").counter().count() >= expected);
        assertThat(logCount()).isEqualTo(expected);

        // the database refuses updates and deletes, even from a superuser
        assertThatThrownBy(() -> sql.sql("update audit_log set table_name = 'x' where seq = 1").update())
                .hasStackTraceContaining("append-only");
        assertThatThrownBy(() -> sql.sql("delete from audit_log where seq = 2").update())
                .hasStackTraceContaining("append-only");
        assertThatThrownBy(() -> sql.sql("truncate audit_log").update()).hasStackTraceContaining("append-only");

        // a superuser who disables the trigger can alter an entry; the chain names it
        Map<String, Object> target = sql.sql("""
                select seq, change_id from audit_log where table_name = 'accounts' and operation = 'UPDATE'
                and change like '%"balance":100,%' """).query().singleRow();
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("alter table audit_log disable trigger audit_log_append_only");
            s.execute("update audit_log set change = replace(change, '\"balance\":100,', '\"balance\":1100,') where seq = "
                    + target.get("seq"));
            s.execute("alter table audit_log enable trigger audit_log_append_only");
        }
        Verification tampered = verify(context);
        assertThat(tampered.status()).isEqualTo(409);
        assertThat(tampered.report().get("chainIntact").asBoolean()).isFalse();
        JsonNode broken = tampered.report().get("firstBrokenLink");
        assertThat(broken.get("seq").asLong()).isEqualTo(((Number) target.get("seq")).longValue());
        assertThat(broken.get("changeId").asString()).isEqualTo(target.get("change_id").toString());
        assertThat(broken.get("reason").asString()).contains("hash does not match");
    }

    @Test
    void rowsWhoseLatestStateIsNotInTheLogAreReported() throws Exception {
        // no engine: this test feeds audit.changes itself, so that it controls what the log misses
        ConfigurableApplicationContext context = start("--platform.audit.enabled=false");
        DataSource db = superuser();
        JdbcClient sql = JdbcClient.create(db);
        UUID logged = UUID.randomUUID();
        UUID unlogged = UUID.randomUUID();
        Instant now = Instant.parse("2026-01-02T03:04:05.123456Z");
        for (UUID id : List.of(logged, unlogged)) {
            sql.sql("insert into agents (id, name, status, metadata, created_at, updated_at) values (?, 'n', 'ACTIVE', '{\"a\": [1, 2]}', ?, ?)")
                    .params(id, java.sql.Timestamp.from(now), java.sql.Timestamp.from(now)).update();
        }
        ObjectNode key = JsonNodeFactory.instance.objectNode().put("id", logged.toString());
        ObjectNode after = key.deepCopy().put("name", "n").put("status", "ACTIVE").put("metadata", "{\"a\": [1, 2]}")
                .put("created_at", now.toString()).put("updated_at", now.toString());
        AuditChange insert = AuditChange.of("public", "agents", Operation.INSERT, key, null, after, 1, 1, null, now);
        @SuppressWarnings("unchecked")
        KafkaTemplate<String, byte[]> kafka = context.getBean(KafkaTemplate.class);
        kafka.send(env.topic("audit.changes"), insert.kafkaKey(), new AuditChangeCodec().encode(insert)).get();
        await().atMost(Duration.ofSeconds(30)).until(() -> logCount() == 1);

        Verification report = verify(context);
        assertThat(report.status()).isEqualTo(409);
        assertThat(report.report().get("chainIntact").asBoolean()).isTrue();
        List<String> expected = new java.util.ArrayList<>(sql.sql("select id from accounts").query(UUID.class).list().stream()
                .map(id -> "public.accounts {\"id\": \"" + id + "\"}: no entry in the audit log").toList());
        expected.add("public.agents {\"id\": \"" + unlogged + "\"}: no entry in the audit log");
        assertThat(expected).contains("public.accounts {\"id\": \"" + Ledger.TREASURY + "\"}: no entry in the audit log");
        assertThat(problems(report)).containsExactlyInAnyOrderElementsOf(expected);

        // a column added after the entry was logged (an expand migration), still null for the row, is no difference;
        // once the row sets it, the entry is behind
        sql.sql("alter table agents add column nickname text").update();
        try {
            assertThat(problems(verify(context))).containsExactlyInAnyOrderElementsOf(expected);
            sql.sql("update agents set nickname = 'en' where id = ?").param(logged).update();
            assertThat(problems(verify(context))).contains("public.agents {\"id\": \"" + logged
                    + "\"}: the newest entry (INSERT) differs from the row in column nickname: a later change is missing");
        } finally {
            sql.sql("alter table agents drop column nickname").update();
        }

        // a change that never reached the log: the newest entry no longer matches the row
        sql.sql("update agents set name = 'renamed' where id = ?").param(logged).update();
        assertThat(problems(verify(context))).contains("public.agents {\"id\": \"" + logged
                + "\"}: the newest entry (INSERT) differs from the row in column name: a later change is missing");
    }

    @Test
    void storesTheCanonicalTextOfAnyValueExactly() throws Exception {
        ConfigurableApplicationContext context = start("--platform.audit.enabled=false");
        JdbcClient sql = JdbcClient.create(superuser());
        List<String> awkward = List.of("plain", "quote \" and backslash \\ and \\\"", "{braces},[brackets],commas,",
                "NULL", "", " spaces ", "line\nbreak\ttab\r", "Zoë 😀 中文", "\u0001 control", "'single' quotes");
        @SuppressWarnings("unchecked")
        KafkaTemplate<String, byte[]> kafka = context.getBean(KafkaTemplate.class);
        Instant now = Instant.parse("2026-01-02T03:04:05.123456Z");
        List<AuditChange> sent = new java.util.ArrayList<>();
        for (int i = 0; i < awkward.size(); i++) {
            ObjectNode key = JsonNodeFactory.instance.objectNode().put("id", awkward.get(i));
            ObjectNode after = key.deepCopy().put("name", awkward.get(i)).put("metadata", "{\"v\": \"" + awkward.get(i)
                    .replace("\\", "\\\\").replace("\"", "\\\"") + "\"}");
            AuditChange change = AuditChange.of("public", "agents", Operation.INSERT, key, null, after, 1, i, null, now);
            sent.add(change);
            kafka.send(env.topic("audit.changes"), change.kafkaKey(), new AuditChangeCodec().encode(change));
        }
        kafka.flush();
        await().atMost(Duration.ofSeconds(30)).until(() -> logCount() == awkward.size());

        for (AuditChange change : sent) {
            Map<String, Object> row = sql.sql("select change, primary_key::text as pk, schema_name, table_name, operation from audit_log "
                    + "where change_id = ?").param(change.changeId()).query().singleRow();
            ObjectNode canonical = (ObjectNode) tools.jackson.databind.json.JsonMapper.builder().build()
                    .readTree((String) row.get("change"));
            assertThat(canonical.get("after")).isEqualTo(change.after());
            assertThat(canonical.get("primaryKey")).isEqualTo(change.primaryKey());
            assertThat(tools.jackson.databind.json.JsonMapper.builder().build().readTree((String) row.get("pk")))
                    .isEqualTo(change.primaryKey());
            assertThat(row).containsEntry("schema_name", "public").containsEntry("table_name", "agents")
                    .containsEntry("operation", "INSERT");
        }
        Verification report = verify(context);
        assertThat(report.report().get("chainIntact").asBoolean()).as(report.report().toString()).isTrue();
        assertThat(report.report().get("entries").asLong()).isEqualTo(awkward.size());
    }

    private static List<String> problems(Verification verification) {
        return verification.report().get("rowProblems").valueStream()
                .map(p -> p.get("table").asString() + " " + p.get("primaryKey").asString() + ": " + p.get("problem").asString())
                .toList();
    }
}
