package org.agentplatform.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.agentplatform.schema.messaging.Message;
import org.agentplatform.schema.messaging.MessageTypes;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A quick drift check where the records live: every message type has its published JSON Schema under
 * {@code schemas/}, naming the record's components as the required payload fields. The full check (the
 * files are exactly what the records generate, and validate what the codec writes) is
 * {@code JsonSchemaContractTest} in ingest-service, which has the validator on its test classpath.
 */
class JsonSchemaFilesTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void everyMessageTypeHasASchemaRequiringItsComponents() throws IOException {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Class<? extends Message>> type : MessageTypes.all().entrySet()) {
            try (InputStream in = getClass().getResourceAsStream("/schemas/" + type.getKey() + ".schema.json")) {
                if (in == null) {
                    problems.add(type.getKey() + ": no schemas/" + type.getKey() + ".schema.json");
                    continue;
                }
                JsonNode schema = JSON.readTree(in);
                List<String> required = new ArrayList<>();
                schema.path("properties").path("payload").path("required").forEach(n -> required.add(n.asString()));
                List<String> components = Arrays.stream(type.getValue().getRecordComponents())
                        .map(RecordComponent::getName).toList();
                if (!schema.path("properties").path("type").path("const").asString().equals(type.getKey())
                        || !required.equals(components)) {
                    problems.add(type.getKey() + ": schema requires " + required + ", record has " + components);
                }
            }
        }
        assertThat(problems).as("regenerate: mvn -pl ingest-service test -Dtest=JsonSchemaContractTest -Dschemas.write=true")
                .isEmpty();
    }
}
