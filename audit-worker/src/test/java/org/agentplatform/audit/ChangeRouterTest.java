package org.agentplatform.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;

import org.agentplatform.schema.audit.AuditChange;
import org.agentplatform.schema.audit.AuditChange.Operation;
import org.agentplatform.schema.audit.AuditChangeCodec;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class ChangeRouterTest {

    private final ChangeRouter router = new ChangeRouter(new Topics("p."),
            List.of("public.agents", "public.accounts"), "public.outbox");
    private final AuditChangeCodec codec = new AuditChangeCodec();

    @Test
    void outboxInsertBecomesAnEventKeyedByAggregateIdWithPayloadAndHeaders() {
        String after = """
                {"id":"6a1f4c9e-0000-0000-0000-000000000001","aggregate_type":"karma","aggregate_id":"acc-1",
                 "event_type":"TransferPosted","payload":"{\\"id\\": \\"e1\\", \\"type\\": \\"TransferPosted\\"}",
                 "created_at":"2026-01-01T00:00:00.000000Z"}""";
        ChangeRouter.Route route = router.route("{\"id\":\"6a1f4c9e-0000-0000-0000-000000000001\"}",
                change("outbox", "c", null, after)).orElseThrow();

        ProducerRecord<String, byte[]> record = route.record();
        assertThat(route.kind()).isEqualTo(ChangeRouter.Route.Kind.EVENT);
        assertThat(record.topic()).isEqualTo("p.events.karma");
        assertThat(record.key()).isEqualTo("acc-1");
        assertThat(new String(record.value(), StandardCharsets.UTF_8)).isEqualTo("{\"id\": \"e1\", \"type\": \"TransferPosted\"}");
        assertThat(header(record, "id")).isEqualTo("6a1f4c9e-0000-0000-0000-000000000001");
        assertThat(header(record, "eventType")).isEqualTo("TransferPosted");
    }

    @Test
    void outboxDeleteHeartbeatTombstoneAndOtherTablesProduceNothing() {
        String key = "{\"id\":\"6a1f4c9e-0000-0000-0000-000000000001\"}";
        assertThat(router.route(key, change("outbox", "d", "{\"id\":\"6a1f4c9e-0000-0000-0000-000000000001\"}", null))).isEmpty();
        assertThat(router.route(key, null)).isEmpty();
        assertThat(router.route("{\"serverName\":\"audit\"}", "{\"ts_ms\":1767225600000}")).isEmpty();
        assertThat(router.route("{\"command_id\":\"c1\"}", change("processed_commands", "c", null, "{\"command_id\":\"c1\"}"))).isEmpty();
    }

    @Test
    void auditedRowChangeBecomesAnAuditChangeWithAStableId() {
        String value = change("accounts", "u", null, "{\"id\":\"a-1\",\"balance\":100}");
        ChangeRouter.Route route = router.route("{\"id\":\"a-1\"}", value).orElseThrow();

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
        AuditChange replayed = codec.decode(router.route("{\"id\":\"a-1\"}", value).orElseThrow().record().value());
        assertThat(replayed.changeId()).isEqualTo(change.changeId());
        assertThat(replayed).isEqualTo(change);
        String later = value.replace("\"lsn\":24023128", "\"lsn\":24023300");
        assertThat(codec.decode(router.route("{\"id\":\"a-1\"}", later).orElseThrow().record().value()).changeId())
                .isNotEqualTo(change.changeId());
    }

    @Test
    void compositeKeysAreRenderedAsAJsonArray() {
        AuditChange change = AuditChange.of("public", "votes", Operation.INSERT,
                (tools.jackson.databind.node.ObjectNode) new tools.jackson.databind.ObjectMapper()
                        .readTree("{\"claim_id\":\"c1\",\"voter\":7}"),
                null, null, 1, 2, null, Instant.EPOCH);
        assertThat(change.kafkaKey()).isEqualTo("votes:[\"c1\",7]");
    }

    /** A Debezium PostgreSQL change event as the JSON converter renders it with schemas disabled. */
    static String change(String table, String op, String before, String after) {
        return """
                {"before":%s,"after":%s,
                 "source":{"version":"3.6.1.Final","connector":"postgresql","name":"audit","ts_ms":1767225600123,
                  "snapshot":"false","db":"ledger","sequence":"[\\"24022000\\",\\"24023128\\"]","ts_us":1767225600123456,
                  "ts_ns":1767225600123456000,"schema":"public","table":"%s","txId":750,"lsn":24023128,"xmin":null},
                 "transaction":null,"op":"%s","ts_ms":1767225600200,"ts_us":1767225600200000,"ts_ns":1767225600200000000}"""
                .formatted(before, after, table, op);
    }

    private static String header(ProducerRecord<String, byte[]> record, String name) {
        return new String(record.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
