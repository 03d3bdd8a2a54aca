package org.agentplatform.schema.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

import org.agentplatform.schema.ledger.LedgerCommand;
import org.agentplatform.schema.ledger.TransferKarma;
import org.agentplatform.schema.ledger.TransferKind;
import org.agentplatform.schema.ledger.TransferPosted;
import org.junit.jupiter.api.Test;

/** Version 2 of a transfer, read and written beside version 1. */
class MessageVersionsTest {

    private static final Instant AT = Instant.parse("2026-12-02T10:00:00Z");
    private final MessageCodec codec = new MessageCodec();
    private final UUID debit = UUID.randomUUID();
    private final UUID credit = UUID.randomUUID();

    @Test
    void theNewestVersionIsTheHighestSince() {
        assertThat(MessageVersions.newest(TransferKarma.class)).isEqualTo(2);
        assertThat(MessageVersions.newest(TransferPosted.class)).isEqualTo(1);
        assertThat(MessageVersions.componentsIn(TransferKarma.class, 1)).containsExactly("debitAccountId",
                "creditAccountId", "amount");
    }

    @Test
    void aTransferWithoutAMemoIsStillWrittenAsVersionOneExactlyAsBefore() {
        UUID id = UUID.randomUUID();
        String json = codec.encodeToString(Envelope.of(id, new TransferKarma(debit, credit, 5), "alice", AT));
        assertThat(json).isEqualTo(v1Transfer(id, 5));
    }

    @Test
    void aTransferWithAMemoIsVersionTwoAndReadsBack() {
        Envelope<LedgerCommand> sent = Envelope.of(UUID.randomUUID(), new TransferKarma(debit, credit, 5, "rent"),
                "alice", AT);
        assertThat(sent.schemaVersion()).isEqualTo(2);
        Envelope<LedgerCommand> read = codec.decode(codec.encode(sent), LedgerCommand.class);
        assertThat(read).isEqualTo(sent);
        assertThat(((TransferKarma) read.payload()).memo()).isEqualTo("rent");
    }

    @Test
    void aVersionOneProducersJsonIsUpcastToTheNewestRecord() {
        UUID id = UUID.randomUUID();
        Envelope<LedgerCommand> read = codec.decode(v1Transfer(id, 7).getBytes(StandardCharsets.UTF_8),
                LedgerCommand.class);
        assertThat(read.payload()).isEqualTo(new TransferKarma(debit, credit, 7, null));
        assertThat(read.schemaVersion()).isEqualTo(1);
        // the fingerprint is the one a version-1 worker stored for it: a redelivery after an upgrade is a duplicate
        assertThat(codec.fingerprint(read.payload())).isEqualTo(codec.fingerprint(new TransferKarma(debit, credit, 7)));
    }

    @Test
    void aVersionTwoMessageMayLeaveTheOptionalMemoOut() {
        String json = v1Transfer(UUID.randomUUID(), 7).replace("\"schemaVersion\":1", "\"schemaVersion\":2");
        Envelope<LedgerCommand> read = codec.decode(json.getBytes(StandardCharsets.UTF_8), LedgerCommand.class);
        assertThat(((TransferKarma) read.payload()).memo()).isNull();
    }

    @Test
    void aVersionOneMessageMayNotCarryAFieldOfVersionTwo() {
        String json = v1Transfer(UUID.randomUUID(), 7).replace("\"amount\":7", "\"amount\":7,\"memo\":\"rent\"");
        assertThatThrownBy(() -> codec.decode(json.getBytes(StandardCharsets.UTF_8), LedgerCommand.class))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("field 'memo' is not in schemaVersion 1");
    }

    @Test
    void aVersionNewerThanTheReaderKnowsIsRefusedWithTheVersionsItKnows() {
        String json = v1Transfer(UUID.randomUUID(), 7).replace("\"schemaVersion\":1", "\"schemaVersion\":3");
        assertThatThrownBy(() -> codec.decode(json.getBytes(StandardCharsets.UTF_8), LedgerCommand.class))
                .isInstanceOf(MalformedMessageException.class)
                .hasMessageContaining("unsupported schemaVersion 3").hasMessageContaining("knows 1 to 2");
    }

    @Test
    void anEnvelopeRefusesAVersionThatCannotHoldItsPayload() {
        assertThatThrownBy(() -> new Envelope<>(UUID.randomUUID(), "TransferKarma", 1, AT, "a", UUID.randomUUID(), null,
                new TransferKarma(debit, credit, 1, "memo"))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Envelope<>(UUID.randomUUID(), "TransferKarma", 3, AT, "a", UUID.randomUUID(), null,
                new TransferKarma(debit, credit, 1))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void anEventsNewOptionalFieldIsLeftOutWhenAbsent() {
        UUID id = UUID.randomUUID();
        String without = codec.encodePayload(new TransferPosted(id, debit, credit, 3, TransferKind.TRANSFER, 1, 2));
        assertThat(without).doesNotContain("memo");
        String with = codec.encodePayload(new TransferPosted(id, debit, credit, 3, TransferKind.TRANSFER, 1, 2, "rent"));
        assertThat(with).contains("\"memo\":\"rent\"");
    }

    /** What a version-1 producer writes: the contract as published before version 2, in the codec's key order. */
    private String v1Transfer(UUID id, long amount) {
        return ("{\"id\":\"%s\",\"type\":\"TransferKarma\",\"schemaVersion\":1,\"occurredAt\":\"2026-12-02T10:00:00Z\","
                + "\"actor\":\"alice\",\"correlationId\":\"%s\",\"causationId\":null,"
                + "\"payload\":{\"debitAccountId\":\"%s\",\"creditAccountId\":\"%s\",\"amount\":%d}}")
                .formatted(id, id, debit, credit, amount);
    }
}
