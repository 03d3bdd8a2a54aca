package org.agentplatform.schema.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import org.agentplatform.schema.contract.MessageSchemas.Kind;
import org.agentplatform.schema.contract.SchemaCompatibility.Change;
import org.agentplatform.schema.contract.SchemaCompatibility.What;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The compatibility check fed the breaking changes it exists to catch, on the real published schemas. */
class SchemaCompatibilityTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void anUnchangedSchemaHasNoChanges() {
        assertThat(SchemaCompatibility.changes(command(), command())).isEmpty();
        assertThat(SchemaCompatibility.changes(event(), event())).isEmpty();
    }

    @Test
    void aRemovedFieldBreaksACommandAndAnEvent() {
        assertBreaks(command(), Kind.COMMAND, s -> payload(s).remove("amount"), "$.payload.amount",
                What.REMOVED);
        assertBreaks(event(), Kind.EVENT, s -> payload(s).remove("amount"), "$.payload.amount", What.REMOVED);
    }

    @Test
    void aRenamedFieldIsARemovalAndAnAddition() {
        List<Change> changes = breaking(command(), Kind.COMMAND, s -> {
            ObjectNode payload = payload(s);
            payload.set("amountMinor", payload.remove("amount"));
            required(s).removeAll().add("debitAccountId").add("creditAccountId").add("amountMinor");
        });
        assertThat(changes).extracting(Change::what).contains(What.REMOVED, What.ADDED_REQUIRED);
    }

    @Test
    void aFieldMadeRequiredBreaksACommand() {
        JsonNode v2 = read("v2/TransferKarma.schema.json");
        assertBreaks(v2, Kind.COMMAND, s -> required(s).add("memo"), "$.payload.memo", What.MADE_REQUIRED);
    }

    @Test
    void aNarrowedTypeBreaksACommand() {
        // null no longer accepted
        assertBreaks(command(), Kind.COMMAND, s -> ((ObjectNode) s.at("/properties/causationId")).put("type", "string"),
                "$.causationId", What.NARROWED);
        // a shorter text
        assertBreaks(command(), Kind.COMMAND, s -> ((ObjectNode) s.at("/properties/actor")).put("maxLength", 50),
                "$.actor", What.NARROWED);
        // a smaller range
        assertBreaks(command(), Kind.COMMAND, s -> ((ObjectNode) payload(s).get("amount")).put("minimum", 1),
                "$.payload.amount", What.NARROWED);
        // a different type
        assertBreaks(command(), Kind.COMMAND, s -> ((ObjectNode) payload(s).get("amount")).put("type", "string"),
                "$.payload.amount", What.NARROWED);
    }

    @Test
    void aNewFieldInAPublishedCommandVersionBreaksItsWorkersButNotAnEventsConsumers() {
        Consumer<ObjectNode> addNote = s -> payload(s).putObject("note").put("type", "string");
        assertBreaks(command(), Kind.COMMAND, addNote, "$.payload.note", What.ADDED_OPTIONAL);
        assertThat(breaking(event(), Kind.EVENT, addNote)).isEmpty();
    }

    @Test
    void anEventMayNarrowButNotWidenNorDropAPromise() {
        Consumer<ObjectNode> dropEnumValue = s -> {
            ArrayNode values = (ArrayNode) payload(s).get("kind").get("enum");
            values.remove(0);
        };
        assertThat(breaking(event(), Kind.EVENT, dropEnumValue)).isEmpty();
        assertBreaks(event(), Kind.EVENT, s -> ((ArrayNode) payload(s).get("kind").get("enum")).insert(0, "BONUS"),
                "$.payload.kind", What.WIDENED);
        assertBreaks(event(), Kind.EVENT, s -> {
            ArrayNode required = required(s);
            for (int i = 0; i < required.size(); i++) {
                if (required.get(i).asString().equals("kind")) {
                    required.remove(i);
                }
            }
        }, "$.payload.kind", What.MADE_OPTIONAL);
    }

    @Test
    void versionTwoOfATransferOnlyAddsTheOptionalMemo() {
        List<Change> changes = SchemaCompatibility.changes(command(), read("v2/TransferKarma.schema.json"));
        assertThat(changes).extracting(Change::path, Change::what).containsExactlyInAnyOrder(
                org.assertj.core.groups.Tuple.tuple("$.schemaVersion", What.NARROWED),
                org.assertj.core.groups.Tuple.tuple("$.schemaVersion", What.WIDENED),
                org.assertj.core.groups.Tuple.tuple("$.payload.memo", What.ADDED_OPTIONAL));
    }

    private static void assertBreaks(JsonNode published, Kind kind, Consumer<ObjectNode> edit, String path, What what) {
        assertThat(breaking(published, kind, edit)).extracting(Change::path, Change::what)
                .contains(org.assertj.core.groups.Tuple.tuple(path, what));
    }

    private static List<Change> breaking(JsonNode published, Kind kind, Consumer<ObjectNode> edit) {
        ObjectNode changed = (ObjectNode) published.deepCopy();
        edit.accept(changed);
        return SchemaCompatibility.breakingChanges(published, changed, kind);
    }

    private static ObjectNode payload(ObjectNode schema) {
        return (ObjectNode) schema.at("/properties/payload/properties");
    }

    private static ArrayNode required(ObjectNode schema) {
        return (ArrayNode) schema.at("/properties/payload/required");
    }

    private static JsonNode command() {
        return read("v1/TransferKarma.schema.json");
    }

    private static JsonNode event() {
        return read("v1/TransferPosted.schema.json");
    }

    private static JsonNode read(String path) {
        try {
            return JSON.readTree(Files.readString(Path.of("src", "main", "resources", "schemas").resolve(path)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
