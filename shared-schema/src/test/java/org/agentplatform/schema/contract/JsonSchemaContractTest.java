package org.agentplatform.schema.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.agentplatform.schema.audit.AuditChange;
import org.agentplatform.schema.audit.AuditChangeCodec;
import org.agentplatform.schema.contract.MessageSchemas.Contract;
import org.agentplatform.schema.contract.MessageSchemas.Kind;
import org.agentplatform.schema.messaging.Message;
import org.agentplatform.schema.messaging.MessageCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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
 * The build's contract check. The published JSON Schemas ({@code src/main/resources/schemas/v<n>/}) are the
 * contracts consumers build on: each one is what {@link MessageSchemas} derives from the records for its version,
 * no published version is changed in a way that breaks its readers ({@link SchemaCompatibility}: a breaking change
 * needs a new {@code schemaVersion}, that is a {@code @Since} component and an upcaster), each schema accepts what
 * the codec writes at its version and the codec reads it, and each rejects a message missing a required field.
 *
 * <p>After a compatible change or a new version, write the files with
 * {@code mvn -pl shared-schema test -Dtest=JsonSchemaContractTest -Dschemas.write=true}. The write refuses to
 * overwrite a published version with a breaking change.
 */
class JsonSchemaContractTest {

    private static final Path SOURCE = Path.of("src", "main", "resources", "schemas");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final MessageCodec CODEC = new MessageCodec();
    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    static Stream<Contract> contracts() {
        return MessageSchemas.contracts().stream();
    }

    static Stream<Contract> messageContracts() {
        return contracts().filter(Contract::isMessage);
    }

    @Test
    void everyPublishedSchemaIsWhatTheRecordsGenerateAndNoneWasBroken() throws IOException {
        assertThat(problems(SOURCE, Boolean.getBoolean("schemas.write"))).isEmpty();
    }

    @Test
    void theCheckFailsOnABreakingChangeAndRefusesToWriteIt(@TempDir Path copy) throws IOException {
        try (Stream<Path> files = Files.walk(SOURCE)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Path target = copy.resolve(SOURCE.relativize(file));
                Files.createDirectories(target.getParent());
                Files.copy(file, target);
            }
        }
        // as if the code had dropped a field the published version 1 of a transfer has
        Path transfer = copy.resolve("v1/TransferKarma.schema.json");
        ObjectNode published = (ObjectNode) JSON.readTree(Files.readString(transfer));
        ((ObjectNode) published.at("/properties/payload/properties")).putObject("reference").put("type", "string");
        String edited = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(published) + "\n";
        Files.writeString(transfer, edited);

        assertThat(problems(copy, true)).singleElement().asString()
                .contains("TransferKarma v1 (published) would break its readers")
                .contains("$.payload.reference: field removed (or renamed)");
        assertThat(Files.readString(transfer)).as("not overwritten").isEqualTo(edited);
    }

    /** What is wrong with the published schemas under {@code source}; with {@code write}, fixes what it may. */
    private static List<String> problems(Path source, boolean write) throws IOException {
        List<String> problems = new ArrayList<>();
        for (Contract contract : MessageSchemas.contracts()) {
            Path file = source.resolve(contract.path());
            String generated = MessageSchemas.schemaText(contract, JSON);
            if (!Files.exists(file)) {
                if (write) {
                    Files.createDirectories(file.getParent());
                    Files.writeString(file, generated);
                } else {
                    problems.add(contract + " is not published: write it with -Dschemas.write=true");
                }
                continue;
            }
            String published = Files.readString(file);
            if (published.equals(generated)) {
                continue;
            }
            List<SchemaCompatibility.Change> breaking = SchemaCompatibility.breakingChanges(
                    JSON.readTree(published), JSON.readTree(generated), contract.kind());
            if (!breaking.isEmpty()) {
                problems.add(contract + " (published) would break its readers: " + breaking + ". Ship the change as "
                        + "a new schemaVersion (a @Since component and an upcaster in MessageVersions), or undo it");
            } else if (write) {
                Files.writeString(file, generated);
            } else {
                problems.add(contract + " changed compatibly: write it with -Dschemas.write=true");
            }
        }
        return problems;
    }

    @Test
    void noSchemaFileIsLeftWithoutItsContract() throws IOException {
        List<String> expected = MessageSchemas.contracts().stream().map(Contract::path).toList();
        try (Stream<Path> files = Files.walk(SOURCE)) {
            assertThat(files.filter(Files::isRegularFile).map(f -> SOURCE.relativize(f).toString().replace('\\', '/')))
                    .as("schema files without a contract (a published version is never deleted)")
                    .containsExactlyInAnyOrderElementsOf(expected);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("messageContracts")
    void theSchemaAcceptsWhatTheCodecWritesAtItsVersionAndTheCodecReadsIt(Contract contract) {
        JsonNode message = MessageSchemas.sampleEnvelope(contract, CODEC);
        assertThat(message.get("schemaVersion").asInt()).isEqualTo(contract.version());
        assertThat(errors(contract, message)).isEmpty();
        assertThat(CODEC.decode(JSON.writeValueAsBytes(message), Message.class).type()).isEqualTo(contract.type());
    }

    @Test
    void theAuditChangeSchemaAcceptsWhatItsCodecWrites() {
        AuditChange change = (AuditChange) MessageSchemas.sample(AuditChange.class);
        AuditChange versioned = AuditChange.of(change.schema(), change.table(), change.operation(), change.primaryKey(),
                change.before(), change.after(), change.txId(), change.lsn(), change.commitLsn(), change.commitTime());
        JsonNode json = JSON.readTree(new AuditChangeCodec().encode(versioned));
        assertThat(errors(Contract.auditChange(), json)).isEmpty();

        ObjectNode missing = (ObjectNode) json.deepCopy();
        missing.remove("changeId");
        assertThat(errors(Contract.auditChange(), missing)).isNotEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("messageContracts")
    void theSchemaRejectsAMessageMissingARequiredFieldAndAnUnknownOneOnlyInACommand(Contract contract) {
        JsonNode message = MessageSchemas.sampleEnvelope(contract, CODEC);

        ObjectNode noId = (ObjectNode) message.deepCopy();
        noId.remove("id");
        assertThat(errors(contract, noId)).isNotEmpty();

        JsonNode schema = JSON.readTree(MessageSchemas.schemaText(contract, JSON));
        for (JsonNode field : schema.at("/properties/payload/required")) {
            ObjectNode missing = (ObjectNode) message.deepCopy();
            ((ObjectNode) missing.get("payload")).remove(field.asString());
            assertThat(errors(contract, missing)).as("payload without %s", field).isNotEmpty();
        }

        ObjectNode unknown = (ObjectNode) message.deepCopy();
        ((ObjectNode) unknown.get("payload")).put("surplus", 1);
        // a command's typo is refused; an event's consumers ignore fields they do not know (README "Versioning")
        assertThat(errors(contract, unknown)).as("an unknown payload field")
                .hasSize(contract.kind() == Kind.COMMAND ? 1 : 0);
    }

    private static List<Error> errors(Contract contract, JsonNode message) {
        try {
            Schema schema = REGISTRY.getSchema(Files.readString(SOURCE.resolve(contract.path())));
            return schema.validate(message);
        } catch (IOException e) {
            throw new IllegalStateException(contract + " is not published", e);
        }
    }
}
