package org.agentplatform.schema.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.agentplatform.schema.audit.AuditChange.Operation;
import org.agentplatform.schema.messaging.MalformedMessageException;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/** No text of a change holds NUL: PostgreSQL could not store it, so it is refused where a change is made or decoded. */
class AuditChangeTest {

    private static final Instant COMMITTED = Instant.parse("2026-01-02T03:04:05.123456Z");

    private final AuditChangeCodec codec = new AuditChangeCodec();

    @Test
    void refusesNulInItsNamesAndInAnyTextOfItsRows() {
        assertRefused(change("pub\u0000lic", "agents", key("a-1"), null, row("a-1")), "schema");
        assertRefused(change("public", "agents\u0000", key("a-1"), null, row("a-1")), "table");
        assertRefused(change("public", "agents", key("a\u0000-1"), null, row("a-1")), "primaryKey.id");
        assertRefused(change("public", "agents", key("a-1"), row("a\u0000-1"), row("a-1")), "before.id");
        ObjectNode nested = row("a-1");
        nested.putObject("metadata").putArray("tags").add("ok").add("b\u0000d");
        assertRefused(change("public", "agents", key("a-1"), null, nested), "after.metadata.tags[1]");
        ObjectNode badName = row("a-1");
        badName.put("col\u0000umn", 1);
        assertRefused(change("public", "agents", key("a-1"), null, badName), "after.col\\u0000umn (the field name)");
    }

    @Test
    void acceptsEveryOtherText() {
        // the six characters of a JSON escape (as a json column's text may hold them), other control characters
        ObjectNode after = row("a-1").put("metadata", "{\"v\": \"\\u0000\"}").put("name", "\u0001 tab\t Zoë 😀");
        AuditChange change = AuditChange.of("public", "agents", Operation.INSERT, key("a-1"), null, after, 1, 2, null,
                COMMITTED);
        assertThat(codec.decode(codec.encode(change))).isEqualTo(change);
    }

    @Test
    void aDecodedChangeWithNulIsMalformed() {
        AuditChange valid = change("public", "agents", key("poison"), null, row("poison")).make();
        String json = new String(codec.encode(valid), StandardCharsets.UTF_8);
        byte[] nulInKey = json.replace("\"poison\"", "\"poi\\u0000son\"").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> codec.decode(nulInKey)).isInstanceOf(MalformedMessageException.class)
                .hasMessageStartingWith("invalid AuditChange")
                .hasMessageContaining("primaryKey.id contains the NUL character (U+0000)")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\u0000"));
        byte[] nulInTable = json.replace("\"agents\"", "\"agents\\u0000\"").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> codec.decode(nulInTable)).isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("table contains the NUL character");
        // the operation is an enum, read by its trimmed name (Jackson's leniency, which trims NUL too): whatever the
        // text, the change holds a constant of its own, and no NUL reaches PostgreSQL
        byte[] nulInOperation = json.replace("\"UPDATE\"", "\"UPDATE\\u0000\"").getBytes(StandardCharsets.UTF_8);
        assertThat(codec.decode(nulInOperation).operation()).isEqualTo(Operation.UPDATE);
    }

    private static void assertRefused(ThrowingChange change, String path) {
        assertThatThrownBy(change::make).isInstanceOf(IllegalArgumentException.class)
                .hasMessage(path + " contains the NUL character (U+0000), which PostgreSQL text and jsonb cannot hold");
    }

    /** Deferred, so that the constructor's refusal is what the assertion sees. */
    private interface ThrowingChange {
        AuditChange make();
    }

    private static ThrowingChange change(String schema, String table, ObjectNode key, ObjectNode before,
                                         ObjectNode after) {
        return () -> AuditChange.of(schema, table, Operation.UPDATE, key, before, after, 1, 2, null, COMMITTED);
    }

    private static ObjectNode key(String id) {
        return JsonNodeFactory.instance.objectNode().put("id", id);
    }

    private static ObjectNode row(String id) {
        return key(id).put("name", "n");
    }
}
