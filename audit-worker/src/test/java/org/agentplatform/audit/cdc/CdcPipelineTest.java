package org.agentplatform.audit.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.agentplatform.audit.AuditWorkerIntegrationTest;
import org.agentplatform.audit.Ledger;
import org.agentplatform.embedded.TopicTail;
import org.agentplatform.schema.audit.AuditChange;
import org.agentplatform.schema.audit.AuditChange.Operation;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.json.JsonMapper;

/** One worker for both tests. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CdcPipelineTest extends AuditWorkerIntegrationTest {

    private final JsonMapper json = JsonMapper.builder().build();
    private TopicTail reader;
    private CdcEngine engine;
    private DataSource dataSource;
    private Topics topics;
    private CdcHealthIndicator health;

    @BeforeAll
    void startWorker() {
        reader = reader(env.topic("events.karma"), env.topic("audit.changes"));
        ConfigurableApplicationContext context = start();
        engine = context.getBean(CdcEngine.class);
        dataSource = context.getBean(DataSource.class);
        topics = context.getBean(Topics.class);
        health = context.getBean(CdcHealthIndicator.class);
    }

    @Test
    void routesOutboxRowsToEventTopicsAndEveryAuditedRowChangeToTheAuditStream() throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(() -> engine.state() == CdcEngine.State.RUNNING);
        Ledger ledger = new Ledger(dataSource);

        Ledger.Written first = ledger.registerAndGrant("alice", 100);

        // the outbox insert is published as the event: keyed by aggregate id, payload as is, id header
        String eventsTopic = topics.events("karma");
        ConsumerRecord<String, byte[]> event = await().atMost(Duration.ofSeconds(30))
                .until(() -> reader.records(eventsTopic), records -> !records.isEmpty()).get(0);
        assertThat(event.key()).isEqualTo(first.accountId().toString());
        assertThat(TopicTail.header(event, "id")).isEqualTo(first.eventId().toString());
        assertThat(TopicTail.header(event, "eventType")).isEqualTo("TransferPosted");
        assertThat(json.readTree(event.value())).isEqualTo(json.readTree(first.eventPayload()));

        // every row change of the transaction is on the audit stream, once, with table, operation, key and row
        String auditTopic = topics.auditChanges();
        List<AuditChange> changes = await().atMost(Duration.ofSeconds(30))
                .until(() -> auditChanges(reader, auditTopic).stream().filter(c -> c.txId() == first.txId())
                        // partitions interleave on the consumer side: the LSN gives the commit order back
                        .sorted(java.util.Comparator.comparingLong(AuditChange::lsn)).toList(),
                        list -> list.size() >= 5);
        assertThat(changes).extracting(AuditChange::table, AuditChange::operation, c -> c.primaryKey().get("id").asString())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("agents", Operation.INSERT, first.agentId().toString()),
                        org.assertj.core.groups.Tuple.tuple("accounts", Operation.INSERT, first.accountId().toString()),
                        org.assertj.core.groups.Tuple.tuple("transfers", Operation.INSERT, first.transferId().toString()),
                        org.assertj.core.groups.Tuple.tuple("accounts", Operation.UPDATE, Ledger.TREASURY.toString()),
                        org.assertj.core.groups.Tuple.tuple("accounts", Operation.UPDATE, first.accountId().toString()));
        AuditChange agent = changes.get(0);
        assertThat(agent.schema()).isEqualTo("public");
        assertThat(agent.after().get("name").asString()).isEqualTo("alice");
        assertThat(agent.after().get("status").asString()).isEqualTo("ACTIVE");
        assertThat(json.readTree(agent.after().get("metadata").asString())).isEqualTo(json.readTree("{\"tier\":1}"));
        assertThat(agent.before()).isNull();
        assertThat(changes.get(4).after().get("balance").asLong()).isEqualTo(100);
        assertThat(changes.get(3).after().get("balance").asLong()).isEqualTo(-100);
        assertThat(changes).allSatisfy(c -> {
            assertThat(c.after()).isNotNull();
            assertThat(c.commitTime()).isNotNull();
            assertThat(c.schemaVersion()).isEqualTo(AuditChange.SCHEMA_VERSION);
        });
        assertThat(changes).extracting(AuditChange::lsn).doesNotHaveDuplicates();
        assertThat(changes).extracting(AuditChange::changeId).doesNotHaveDuplicates();
        assertThat(reader.records(auditTopic)).filteredOn(r -> r.key().equals("agents:" + first.agentId()))
                .singleElement()
                .satisfies(r -> assertThat(TopicTail.header(r, "id")).isEqualTo(agent.changeId().toString()));

        // the rows that existed before capture started (the treasury and any other system rows the migrations
        // seed) were recorded by the snapshot; bookkeeping tables never
        List<String> seeded = org.springframework.jdbc.core.simple.JdbcClient.create(dataSource)
                .sql("select 'accounts:' || id from accounts where agent_id is null").query(String.class).list();
        assertThat(seeded).contains("accounts:" + Ledger.TREASURY);
        assertThat(auditChanges(reader, auditTopic))
                .filteredOn(c -> c.operation() == Operation.SNAPSHOT)
                .extracting(AuditChange::kafkaKey)
                .containsExactlyInAnyOrderElementsOf(seeded);
        assertThat(auditChanges(reader, auditTopic)).extracting(AuditChange::table)
                .containsOnly("agents", "accounts", "transfers");

        // a second transaction: its event arrives, and the two outbox deletes produced no events
        Ledger.Written second = ledger.registerAndGrant("bob", 5);
        await().atMost(Duration.ofSeconds(30)).until(() -> reader.records(eventsTopic).stream()
                .anyMatch(r -> second.eventId().toString().equals(TopicTail.header(r, "id"))));
        assertThat(reader.records(eventsTopic)).extracting(r -> TopicTail.header(r, "id"))
                .containsExactly(first.eventId().toString(), second.eventId().toString());
        assertThat(new String(reader.records(eventsTopic).get(1).value(), StandardCharsets.UTF_8)).contains("\"amount\": 5");
    }

    @Test
    void savesItsPositionInCdcOffsetsAndReportsItsHealth() {
        await().atMost(Duration.ofSeconds(60)).until(() -> engine.state() == CdcEngine.State.RUNNING);
        await().atMost(Duration.ofSeconds(30)).until(() -> offsets(dataSource), rows -> !rows.isEmpty());
        Map<String, Object> row = offsets(dataSource).get(0);
        assertThat((String) row.get("offset_key")).contains("audit-worker").contains("\"server\":\"audit\"");
        assertThat((String) row.get("offset_value")).contains("\"lsn\"");

        // offsets are stored from within the snapshot on, and between the snapshot and the stream no connection holds
        // the slot for a moment: the health of the streaming engine, then
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Health health = this.health.health();
            assertThat(health.getStatus()).isEqualTo(Status.UP);
            assertThat(health.getDetails()).containsEntry("slot", "audit_" + env.databaseName())
                    .containsEntry("slotExists", true).containsEntry("active", true).containsKey("retained_wal_bytes");
        });
    }

    static List<Map<String, Object>> offsets(DataSource dataSource) {
        return org.springframework.jdbc.core.simple.JdbcClient.create(dataSource)
                .sql("select offset_key, offset_value, updated_at from cdc_offsets").query().listOfRows();
    }
}
