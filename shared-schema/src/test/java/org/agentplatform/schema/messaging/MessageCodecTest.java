package org.agentplatform.schema.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

import org.agentplatform.schema.jobs.RequestLease;
import org.agentplatform.schema.ledger.GrantKarma;
import org.agentplatform.schema.ledger.LedgerCommand;
import org.agentplatform.schema.ledger.TransferKarma;
import org.agentplatform.schema.ledger.VerifyClaim;
import org.junit.jupiter.api.Test;

class MessageCodecTest {

    private final MessageCodec codec = new MessageCodec();

    @Test
    void roundTripsAnEnvelope() {
        Envelope<LedgerCommand> sent = Envelope.of(UUID.randomUUID(),
                new TransferKarma(UUID.randomUUID(), UUID.randomUUID(), 30), "alice", Instant.parse("2026-11-25T10:00:00Z"));
        Envelope<LedgerCommand> read = codec.decode(codec.encode(sent), LedgerCommand.class);
        assertThat(read).isEqualTo(sent);
        assertThat(read.type()).isEqualTo("TransferKarma");
        assertThat(read.correlationId()).isEqualTo(sent.id());
    }

    @Test
    void registersEveryMessageTypeByItsSimpleName() {
        assertThat(MessageTypes.all()).containsKeys("RegisterAgent", "GrantKarma", "TransferKarma", "AgentRegistered",
                "TransferPosted", "CommandRejected");
    }

    @Test
    void rejectsWhatIsNotAKnownCommandOfTheFamily() {
        assertMalformed("not json", "not JSON");
        assertMalformed("\u0000{\"type\":\"GrantKarma\"}", "starts with a NUL byte");
        assertMalformed("{\u0000\"type\":\"GrantKarma\"}", "starts with a NUL byte");
        assertMalformed("[1,2]", "not a JSON object");
        assertMalformed("{\"type\":\"Nope\",\"schemaVersion\":1}", "unknown message type 'Nope'");
        assertMalformed(json("GrantKarma", 2, "{\"accountId\":\"" + UUID.randomUUID() + "\",\"amount\":1}"),
                "unsupported schemaVersion");
        assertMalformed(json("GrantKarma", 1, "{\"amount\":1}"), "invalid GrantKarma");
        assertMalformed(json("GrantKarma", 1, "{\"accountId\":\"" + UUID.randomUUID() + "\",\"amount\":1,\"extra\":true}"),
                "invalid GrantKarma");
        assertMalformed(json("GrantKarma", 1, "{\"accountId\":\"not-a-uuid\",\"amount\":1}"), "invalid GrantKarma");
        assertThatThrownBy(() -> codec.decode(json("TransferPosted", 1, "{}").getBytes(StandardCharsets.UTF_8),
                LedgerCommand.class)).hasMessageContaining("does not belong on this topic");
    }

    @Test
    void aCommandsRoutingIsNotPartOfItsPayload() {
        // topic(), aggregateType() and a lease request's jobId() are not record components: were they written,
        // the fingerprints already stored with every applied command would no longer match their retries
        UUID executor = UUID.randomUUID();
        assertThat(codec.encodePayload(new RequestLease(executor)))
                .isEqualTo("{\"executorId\":\"" + executor + "\"}");
        UUID claim = UUID.randomUUID();
        UUID verifier = UUID.randomUUID();
        assertThat(codec.encodePayload(new VerifyClaim(claim, verifier)))
                .isEqualTo("{\"claimId\":\"" + claim + "\",\"verifierId\":\"" + verifier + "\"}");
    }

    @Test
    void fingerprintsDependOnlyOnThePayload() {
        UUID account = UUID.randomUUID();
        assertThat(codec.fingerprint(new GrantKarma(account, 5))).isEqualTo(codec.fingerprint(new GrantKarma(account, 5)))
                .isNotEqualTo(codec.fingerprint(new GrantKarma(account, 6)));
    }

    private void assertMalformed(String json, String reason) {
        assertThatThrownBy(() -> codec.decode(json.getBytes(StandardCharsets.UTF_8), LedgerCommand.class))
                .isInstanceOf(MalformedMessageException.class).hasMessageContaining(reason);
    }

    private static String json(String type, int version, String payload) {
        return """
                {"id":"%s","type":"%s","schemaVersion":%d,"occurredAt":"2026-11-25T10:00:00Z","actor":"a",
                 "correlationId":"%s","payload":%s}""".formatted(UUID.randomUUID(), type, version, UUID.randomUUID(), payload);
    }

}
