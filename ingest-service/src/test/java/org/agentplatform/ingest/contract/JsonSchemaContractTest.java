package org.agentplatform.ingest.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.agentplatform.schema.messaging.MessageCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The published JSON Schemas ({@code shared-schema/src/main/resources/schemas}) against the records:
 * each file is exactly what {@link MessageSchemas} derives from its record (so they cannot drift), each
 * accepts what {@link MessageCodec} writes, and each rejects a message with a required field missing.
 *
 * <p>After changing a record, regenerate with
 * {@code mvn -pl ingest-service test -Dtest=JsonSchemaContractTest -Dschemas.write=true}.
 */
class JsonSchemaContractTest {

    private static final Path SOURCE = Path.of("..", "shared-schema", "src", "main", "resources", "schemas");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final MessageCodec CODEC = new MessageCodec();
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    static Stream<String> types() {
        return MessageSchemas.types().stream();
    }

    @Test
    void everyMessageTypeHasItsSchemaFileAndNoFileIsStale() throws IOException {
        if (Boolean.getBoolean("schemas.write")) {
            Files.createDirectories(SOURCE);
            for (String type : MessageSchemas.types()) {
                Files.writeString(SOURCE.resolve(MessageSchemas.fileName(type)), MessageSchemas.schemaText(type, JSON));
            }
        }
        List<String> drifted = new ArrayList<>();
        for (String type : MessageSchemas.types()) {
            String published = published(type);
            if (!MessageSchemas.schemaText(type, JSON).equals(published)) {
                drifted.add(type);
            }
        }
        assertThat(drifted).as("schemas differing from their records: regenerate with -Dschemas.write=true").isEmpty();
        if (Files.isDirectory(SOURCE)) {
            try (Stream<Path> files = Files.list(SOURCE)) {
                assertThat(files.map(f -> f.getFileName().toString()))
                        .as("schema files without a message type")
                        .containsExactlyInAnyOrderElementsOf(MessageSchemas.types().stream().map(MessageSchemas::fileName).toList());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("types")
    void theSchemaAcceptsWhatTheCodecWritesAndTheCodecReadsIt(String type) {
        JsonNode message = MessageSchemas.sampleEnvelope(type, CODEC);
        assertThat(errors(type, message)).isEmpty();
        assertThat(CODEC.decode(JSON.writeValueAsBytes(message), org.agentplatform.schema.messaging.Message.class).type())
                .isEqualTo(type);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("types")
    void theSchemaRejectsAMessageMissingARequiredField(String type) {
        JsonNode message = MessageSchemas.sampleEnvelope(type, CODEC);

        ObjectNode noId = (ObjectNode) message.deepCopy();
        noId.remove("id");
        assertThat(errors(type, noId)).isNotEmpty();

        ObjectNode payload = (ObjectNode) message.get("payload");
        for (String field : payload.propertyNames()) {
            ObjectNode missing = (ObjectNode) message.deepCopy();
            ((ObjectNode) missing.get("payload")).remove(field);
            assertThat(errors(type, missing)).as("payload without %s", field).isNotEmpty();
        }

        ObjectNode unknown = (ObjectNode) message.deepCopy();
        ((ObjectNode) unknown.get("payload")).put("surplus", 1);
        assertThat(errors(type, unknown)).as("an unknown payload field").isNotEmpty();
    }

    private static List<Error> errors(String type, JsonNode message) {
        Schema schema = REGISTRY.getSchema(published(type));
        return schema.validate(message);
    }

    private static String published(String type) {
        try (InputStream in = JsonSchemaContractTest.class.getResourceAsStream("/schemas/" + MessageSchemas.fileName(type))) {
            if (in != null && !Boolean.getBoolean("schemas.write")) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            Path file = SOURCE.resolve(MessageSchemas.fileName(type));
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
