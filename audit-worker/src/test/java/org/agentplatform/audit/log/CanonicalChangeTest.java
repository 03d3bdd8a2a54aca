package org.agentplatform.audit.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.agentplatform.schema.audit.AuditChange;
import org.agentplatform.schema.audit.AuditChange.Operation;
import org.agentplatform.schema.audit.AuditChangeCodec;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The canonical form is what the chain hashes: it must never change. It is defined as the codec's JSON of the
 * change, parsed, with every object's keys sorted, written without whitespace ({@link #reference}); the
 * one-pass writer must give exactly that text for every change.
 */
class CanonicalChangeTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final AuditChangeCodec CODEC = new AuditChangeCodec();

    @Test
    void isTheCodecsJsonWithSortedKeysWithoutWhitespace() {
        for (AuditChange change : changes()) {
            assertThat(CanonicalChange.of(change)).isEqualTo(reference(change));
            // and as the consumer sees it: decoded from the stream
            AuditChange decoded = CODEC.decode(CODEC.encode(change));
            assertThat(CanonicalChange.of(decoded)).isEqualTo(reference(decoded));
        }
    }

    @Test
    void aKnownChangeHasItsKnownTextAndHash() {
        ObjectNode key = JsonNodeFactory.instance.objectNode().put("id", "a-1");
        ObjectNode after = JsonNodeFactory.instance.objectNode().put("id", "a-1").put("balance", 100).put("code", (String) null);
        AuditChange change = AuditChange.of("public", "accounts", Operation.UPDATE, key, null, after, 750, 24023128, null,
                Instant.parse("2026-01-01T00:00:00.123456Z"));
        String canonical = CanonicalChange.of(change);
        assertThat(canonical).isEqualTo("{\"after\":{\"balance\":100,\"code\":null,\"id\":\"a-1\"},\"before\":null,"
                + "\"changeId\":\"" + change.changeId() + "\",\"commitLsn\":null,\"commitTime\":\"2026-01-01T00:00:00.123456Z\","
                + "\"lsn\":24023128,\"operation\":\"UPDATE\",\"primaryKey\":{\"id\":\"a-1\"},\"schema\":\"public\","
                + "\"schemaVersion\":1,\"table\":\"accounts\",\"txId\":750}");
        assertThat(java.util.HexFormat.of().formatHex(CanonicalChange.hash(CanonicalChange.GENESIS, canonical)))
                .isEqualTo(sha256Hex(new byte[32], canonical));
    }

    @Test
    void treesAreWrittenWithSortedKeysAsBefore() {
        JsonNode gap = JSON.readTree("""
                {"changeId":"x","schemaVersion":1,"operation":"GAP","schema":"cdc","table":"slot","reason":"lost \\"it\\"",
                 "commitTime":"2026-01-01T00:00:00Z","primaryKey":{},
                 "lostAfter":{"lsn":123,"txId":null,"nested":[{"z":1,"a":[3,{"y":2,"b":1.5}]}],"é":"ü"}}""");
        assertThat(CanonicalChange.of(gap)).isEqualTo(JSON.writeValueAsString(sorted(gap)));
        ObjectNode built = JsonNodeFactory.instance.objectNode().put("b", new java.math.BigDecimal("1.50")).put("a", 2.5f);
        assertThat(CanonicalChange.of(built)).isEqualTo(JSON.writeValueAsString(sorted(built)));
    }

    private static List<AuditChange> changes() {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        List<AuditChange> changes = new ArrayList<>();
        ObjectNode key = nodes.objectNode().put("id", UUID.randomUUID().toString());
        ObjectNode row = key.deepCopy()
                .put("name", "Zoë \"the\" agent\n\t\u0001 😀 中文 </script>")
                .put("status", "ACTIVE")
                .put("metadata", "{\"tier\": 1, \"tags\": [\"a\", \"b\"]}")
                .put("created_at", "2026-01-02T03:04:05.123456Z")
                .put("balance", 5_000_000_000L)
                .put("small", -7)
                .put("ratio", 1.0 / 3)
                .put("big", 1.5e300)
                .put("zero", 0.0)
                .put("huge", new java.math.BigInteger("123456789012345678901234567890"))
                .put("decimal", new java.math.BigDecimal("12.50"))
                .put("active", true)
                .putNull("nothing")
                .put("bytes", "AQL/");
        row.set("array", nodes.arrayNode().add(1).add("two").add(nodes.objectNode().put("z", 1).put("a", 2)).addNull());
        row.set("object", nodes.objectNode().put("z", "last").put("A", "upper first").put("a", "lower"));
        ObjectNode composite = nodes.objectNode().put("voter_id", "v-1").put("claim_id", "c-1");
        for (Operation op : Operation.values()) {
            changes.add(AuditChange.of("public", "agents", op, key, op == Operation.INSERT ? null : row.deepCopy(),
                    op == Operation.DELETE ? null : row, 750, 24023128, null, Instant.parse("2026-01-02T03:04:05.123456Z")));
        }
        changes.add(AuditChange.of("public", "claim_votes", Operation.INSERT, composite, null, composite, 1, 2, 99L,
                Instant.parse("2026-01-02T03:04:05Z")));
        for (String time : List.of("2026-01-02T03:04:05.100Z", "2026-01-02T03:04:05.123456789Z", "1969-12-31T23:59:59.999Z",
                "2026-01-02T03:04:05.120Z")) {
            changes.add(AuditChange.of("public", "accounts", Operation.UPDATE, key, null, key, Long.MAX_VALUE, 0, Long.MIN_VALUE,
                    Instant.parse(time)));
        }
        changes.add(AuditChange.of("public", "empty", Operation.INSERT, null, null, nodes.objectNode(), 0, 0, null, Instant.EPOCH));
        // fields unknown to this version are dropped by the decoder, and so from the canonical form
        String withExtra = new String(CODEC.encode(changes.get(0)), StandardCharsets.UTF_8)
                .replaceFirst("\\{", "{\"addedLater\":{\"b\":1,\"a\":2},");
        changes.add(CODEC.decode(withExtra.getBytes(StandardCharsets.UTF_8)));
        return changes;
    }

    /** The definition: the codec's JSON, parsed, keys sorted recursively, written without whitespace. */
    static String reference(AuditChange change) {
        return JSON.writeValueAsString(sorted(JSON.readTree(CODEC.encode(change))));
    }

    private static JsonNode sorted(JsonNode node) {
        if (node instanceof ObjectNode object) {
            List<Map.Entry<String, JsonNode>> fields = new ArrayList<>(object.properties());
            fields.sort(Map.Entry.comparingByKey());
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            fields.forEach(f -> out.set(f.getKey(), sorted(f.getValue())));
            return out;
        }
        if (node instanceof ArrayNode array) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            array.forEach(element -> out.add(sorted(element)));
            return out;
        }
        return node;
    }

    private static String sha256Hex(byte[] prev, String text) {
        try {
            var sha = java.security.MessageDigest.getInstance("SHA-256");
            sha.update(prev);
            sha.update(text.getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(sha.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
