package org.agentplatform.audit.cdc;

import static org.agentplatform.audit.cdc.ChangeEvents.change;
import static org.agentplatform.audit.cdc.ChangeEvents.columns;
import static org.agentplatform.audit.cdc.ChangeEvents.key;
import static org.agentplatform.audit.cdc.ChangeEvents.row;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.agentplatform.schema.audit.AuditChange;
import org.agentplatform.schema.audit.AuditChange.Operation;
import org.agentplatform.schema.audit.AuditChangeCodec;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.JsonNodeFactory;

class ChangeRouterTest {

    private final ChangeRouter router = new ChangeRouter(new Topics("p."),
            List.of("public.agents", "public.accounts"), "public.outbox");
    private final AuditChangeCodec codec = new AuditChangeCodec();

    @Test
    void outboxInsertBecomesAnEventKeyedByAggregateIdWithPayloadAndHeaders() {
        Struct after = row("audit.public.outbox.Value", columns(
                "id", "6a1f4c9e-0000-0000-0000-000000000001", "aggregate_type", "karma", "aggregate_id", "acc-1",
                "event_type", "TransferPosted", "payload", "{\"id\": \"e1\", \"type\": \"TransferPosted\"}",
                "created_at", "2026-01-01T00:00:00.000000Z"));
        ChangeRouter.Route route = router.route(change("outbox", "c", key("outbox", "6a1f4c9e-0000-0000-0000-000000000001"),
                null, after)).orElseThrow();

        ProducerRecord<String, byte[]> record = route.record();
        assertThat(route.kind()).isEqualTo(ChangeRouter.Route.Kind.EVENT);
        assertThat(record.topic()).isEqualTo("p.events.karma");
        assertThat(record.key()).isEqualTo("acc-1");
        assertThat(new String(record.value(), StandardCharsets.UTF_8)).isEqualTo("{\"id\": \"e1\", \"type\": \"TransferPosted\"}");
        assertThat(header(record, "id")).isEqualTo("6a1f4c9e-0000-0000-0000-000000000001");
        assertThat(header(record, "eventType")).isEqualTo("TransferPosted");
        assertThat(route.sourceTime()).isEqualTo(Instant.parse("2026-01-01T00:00:00.123456Z"));
        assertThat(route.snapshot()).isFalse();
    }

    @Test
    void outboxDeleteHeartbeatTombstoneAndOtherTablesProduceNothing() {
        Struct key = key("outbox", "6a1f4c9e-0000-0000-0000-000000000001");
        Struct deleted = row("audit.public.outbox.Value", columns("id", "6a1f4c9e-0000-0000-0000-000000000001"));
        assertThat(router.route(change("outbox", "d", key, deleted, null))).isEmpty();
        assertThat(router.route(ChangeEvents.tombstone(key))).isEmpty();
        assertThat(router.route(ChangeEvents.heartbeat())).isEmpty();
        assertThat(router.route(change("processed_commands", "c", null, null,
                row("audit.public.processed_commands.Value", columns("command_id", "c1"))))).isEmpty();
    }

    @Test
    void commitTimeIsKnownForEveryStreamedRowChangeButNotForHeartbeatsTombstonesAndSnapshots() {
        Instant committed = Instant.parse("2026-01-01T00:00:00.123456Z");
        Struct outbox = row("audit.public.outbox.Value", columns("id", "6a1f4c9e-0000-0000-0000-000000000001"));
        assertThat(router.commitTimeOf(change("outbox", "d", key("outbox", "x"), outbox, null))).contains(committed);
        assertThat(router.commitTimeOf(change("cdc_heartbeat", "u", null, null,
                row("audit.public.cdc_heartbeat.Value", columns("id", 1, "beat_at", "2026-01-01T00:00:00Z"))))).contains(committed);
        assertThat(router.commitTimeOf(ChangeEvents.heartbeat())).isEmpty();
        assertThat(router.commitTimeOf(ChangeEvents.tombstone(key("outbox", "x")))).isEmpty();
        assertThat(router.commitTimeOf(change("accounts", "r", key("accounts", "a-1"), null,
                row("audit.public.accounts.Value", columns("id", "a-1"))))).isEmpty();
    }

    @Test
    void auditedRowChangeBecomesAnAuditChangeWithAStableId() {
        SourceRecord value = change("accounts", "u", key("accounts", "a-1"), null,
                row("audit.public.accounts.Value", columns("id", "a-1", "balance", 100L)));
        ChangeRouter.Route route = router.route(value).orElseThrow();

        assertThat(route.record().topic()).isEqualTo("p.audit.changes");
        assertThat(route.record().key()).isEqualTo("accounts:a-1");
        AuditChange change = codec.decode(route.record().value());
        assertThat(change.schema()).isEqualTo("public");
        assertThat(change.table()).isEqualTo("accounts");
        assertThat(change.operation()).isEqualTo(Operation.UPDATE);
        assertThat(change.primaryKey().toString()).isEqualTo("{\"id\":\"a-1\"}");
        assertThat(change.before()).isNull();
        assertThat(change.after().get("balance").asLong()).isEqualTo(100);
        assertThat(change.txId()).isEqualTo(750);
        assertThat(change.lsn()).isEqualTo(24023128);
        assertThat(change.commitLsn()).isNull();
        assertThat(change.commitTime()).isEqualTo(Instant.parse("2026-01-01T00:00:00.123456Z"));
        assertThat(header(route.record(), "id")).isEqualTo(change.changeId().toString());

        // a replay of the same change carries the same id; another change of the row does not
        AuditChange replayed = codec.decode(router.route(value).orElseThrow().record().value());
        assertThat(replayed.changeId()).isEqualTo(change.changeId());
        assertThat(replayed).isEqualTo(change);
        SourceRecord later = change("accounts", "u", key("accounts", "a-1"), null,
                row("audit.public.accounts.Value", columns("id", "a-1", "balance", 100L)), 24023300);
        assertThat(codec.decode(router.route(later).orElseThrow().record().value()).changeId())
                .isNotEqualTo(change.changeId());
    }

    /**
     * The wire format of the audit stream, byte for byte: row values as Debezium's JSON converter with schemas
     * disabled rendered them (uuid, text, jsonb text, ISO timestamps and string decimals as strings; integers as
     * numbers; bytea as base64; nulls), in column order.
     */
    @Test
    void auditChangeJsonIsUnchanged() {
        Struct before = row("audit.public.accounts.Value", columns("id", "a-1", "balance", -5L));
        Struct after = row("audit.public.accounts.Value", columns("id", "a-1", "balance", 5000000000L));
        String json = new String(router.route(change("accounts", "u", key("accounts", "a-1"), before, after))
                .orElseThrow().record().value(), StandardCharsets.UTF_8);
        UUID changeId = AuditChange.changeIdOf(750, 24023128, "public", "accounts", Operation.UPDATE,
                JsonNodeFactory.instance.objectNode().put("id", "a-1"));
        assertThat(json).isEqualTo("{\"changeId\":\"" + changeId + "\",\"schemaVersion\":1,"
                + "\"schema\":\"public\",\"table\":\"accounts\",\"operation\":\"UPDATE\",\"primaryKey\":{\"id\":\"a-1\"},"
                + "\"before\":{\"id\":\"a-1\",\"balance\":-5},\"after\":{\"id\":\"a-1\",\"balance\":5000000000},"
                + "\"txId\":750,\"lsn\":24023128,\"commitLsn\":null,\"commitTime\":\"2026-01-01T00:00:00.123456Z\"}");

        Struct agent = row("audit.public.agents.Value", columns("id", "6a1f4c9e-0000-0000-0000-0000000000aa",
                "name", "Zoë \"the\" agent", "status", "ACTIVE", "metadata", "{\"tier\": 1}",
                "created_at", "2026-01-01T00:00:00.123456Z", "score", "12.50", "active", true, "level", 3,
                "avatar", new byte[] {1, 2, (byte) 0xff}, "note", null));
        ChangeRouter agents = new ChangeRouter(new Topics(""), List.of("public.agents"), "public.outbox");
        String created = new String(agents.route(change("agents", "c", key("agents", "6a1f4c9e-0000-0000-0000-0000000000aa"),
                null, agent)).orElseThrow().record().value(), StandardCharsets.UTF_8);
        assertThat(created).contains("\"before\":null,\"after\":{\"id\":\"6a1f4c9e-0000-0000-0000-0000000000aa\","
                + "\"name\":\"Zoë \\\"the\\\" agent\",\"status\":\"ACTIVE\",\"metadata\":\"{\\\"tier\\\": 1}\","
                + "\"created_at\":\"2026-01-01T00:00:00.123456Z\",\"score\":\"12.50\",\"active\":true,\"level\":3,"
                + "\"avatar\":\"AQL/\",\"note\":null}");
    }

    @Test
    void compositeKeysAreRenderedAsAJsonArray() {
        AuditChange change = AuditChange.of("public", "votes", Operation.INSERT,
                (tools.jackson.databind.node.ObjectNode) new tools.jackson.databind.ObjectMapper()
                        .readTree("{\"claim_id\":\"c1\",\"voter\":7}"),
                null, null, 1, 2, null, Instant.EPOCH);
        assertThat(change.kafkaKey()).isEqualTo("votes:[\"c1\",7]");
    }

    private static String header(ProducerRecord<String, byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
