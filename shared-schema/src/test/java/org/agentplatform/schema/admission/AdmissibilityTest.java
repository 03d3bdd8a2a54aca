package org.agentplatform.schema.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.agentplatform.schema.jobs.FailJob;
import org.agentplatform.schema.jobs.SubmitJob;
import org.agentplatform.schema.ledger.RegisterAgent;
import org.agentplatform.schema.ledger.ReserveKarma;
import org.agentplatform.schema.ledger.SubmitClaim;
import org.agentplatform.schema.ledger.TransferBatch;
import org.agentplatform.schema.messaging.Envelope;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.json.JsonMapper;

class AdmissibilityTest {

    static final JsonMapper JSON = JsonMapper.builder().build();
    static final UUID A = UUID.randomUUID();
    static final UUID B = UUID.randomUUID();

    @Test
    void aStorableCommandHasNoViolation() {
        assertThat(Admissibility.check(new SubmitClaim(A, B, "s", "statement", Map.of("k", List.of(1, "v")), 3))).isEmpty();
        assertThat(Admissibility.check(Envelope.of(A, new RegisterAgent(B, "alice"), "admin", Instant.now()))).isEmpty();
    }

    @Test
    void nulIsRefusedInTextInJsonValuesAndInJsonKeysNamingTheField() {
        assertThat(fields(new SubmitClaim(A, B, "s", "a\u0000b", Map.of(), 0))).containsExactly("statement");
        assertThat(fields(new SubmitClaim(A, B, "s", "x", Map.of("notes", List.of("ok", "b\u0000d")), 0)))
                .containsExactly("evidence.notes[1]");
        assertThat(fields(new SubmitClaim(A, B, "s", "x", Map.of("k\u0000", 1), 0))).containsExactly("evidence.k\\u0000");
        assertThat(fields(new SubmitClaim(A, B, "s", "x", Map.of("\uD800a", 1), 0))).as("a key the driver would mangle")
                .hasSize(1);
        assertThat(fields(new SubmitJob(A, B, JSON.readTree("{\"cmd\":{\"args\":[\"\\u0000\"]}}"), 0, 1,
                Duration.ofSeconds(30), null))).containsExactly("spec.cmd.args[0]");
    }

    @Test
    void textMustFitItsColumn() {
        assertThat(fields(new RegisterAgent(A, ""))).containsExactly("name");
        assertThat(fields(new RegisterAgent(A, "x".repeat(201)))).containsExactly("name");
        assertThat(fields(new RegisterAgent(A, "é".repeat(200)))).as("characters, not bytes").isEmpty();
        assertThat(fields(new FailJob(A, B, 1, "e".repeat(Admissibility.DEFAULT_MAX_TEXT + 1), true))).containsExactly("error");
        assertThat(fields(new RegisterAgent(A, "bad \uD800 surrogate"))).containsExactly("name");
    }

    @Test
    void timestampsAndDurationsMustFitPostgres() {
        assertThat(fields(new ReserveKarma(A, B, 1, Instant.parse("+300000-01-01T00:00:00Z")))).containsExactly("expiresAt");
        assertThat(fields(new ReserveKarma(A, B, 1, Instant.parse("-5000-01-01T00:00:00Z")))).containsExactly("expiresAt");
        assertThat(fields(new ReserveKarma(A, B, 1, Admissibility.MAX_TIMESTAMP))).isEmpty();
        assertThat(fields(new SubmitJob(A, B, JSON.readTree("{}"), 0, 1, Duration.ofDays(1_000_000), null)))
                .containsExactly("leaseTimeout");
        assertThat(fields(new SubmitJob(A, B, JSON.readTree("{}"), 0, 1, Duration.ofNanos(500_000), null)))
                .as("stored in whole milliseconds").containsExactly("leaseTimeout");
    }

    @Test
    void jsonMustBeFiniteShallowAndBounded() {
        assertThat(fields(new SubmitClaim(A, B, "s", "x", Map.of("n", Double.POSITIVE_INFINITY), 0))).containsExactly("evidence.n");
        String deep = "[".repeat(Admissibility.MAX_JSON_DEPTH + 2) + "]".repeat(Admissibility.MAX_JSON_DEPTH + 2);
        assertThat(fields(new SubmitJob(A, B, JSON.readTree(deep), 0, 1, Duration.ofSeconds(1), null))).isNotEmpty()
                .allMatch(f -> f.startsWith("spec"));
        String big = "{\"blob\":\"" + "x".repeat(Admissibility.MAX_JSON_BYTES) + "\"}";
        assertThat(fields(new SubmitJob(A, B, JSON.readTree(big), 0, 1, Duration.ofSeconds(1), null))).containsExactly("spec");
    }

    @Test
    void nestedRecordsAreWalkedAndTheEnvelopeHeaderIsChecked() {
        TransferBatch batch = new TransferBatch(List.of(new TransferBatch.Leg(A, B, 1)));
        assertThat(Admissibility.check(batch)).isEmpty();
        List<Violation> found = Admissibility.check(Envelope.of(A, new RegisterAgent(B, "n\u0000"), "ad\u0000min", Instant.now()));
        assertThat(found).extracting(Violation::field).containsExactlyInAnyOrder("actor", "payload.name");
        assertThat(found).allMatch(v -> v.message().indexOf('\u0000') < 0);
    }

    private static List<String> fields(Object message) {
        return Admissibility.check((org.agentplatform.schema.messaging.Message) message).stream().map(Violation::field).toList();
    }
}
