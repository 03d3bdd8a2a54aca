package org.agentplatform.ingest.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.agentplatform.embedded.TestEnvironment;
import org.agentplatform.embedded.TestServers;
import org.agentplatform.schema.ledger.LedgerCommand;
import org.agentplatform.schema.ledger.SubmitClaim;
import org.agentplatform.schema.ledger.TransferKarma;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.MessageCodec;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/** The direct producer client over the real broker: what lands is what ingest itself would publish. */
class CommandClientTest {

    static final TestEnvironment env = TestServers.newEnvironment();
    static final Topics topics = new Topics(env.topicPrefix());

    @Test
    void aCommandLandsInItsEnvelopeOnItsTopicKeyedByItsPartitionKey() {
        UUID debit = UUID.randomUUID();
        UUID claim = UUID.randomUUID();
        UUID transferId;
        UUID claimCommand = UUID.randomUUID();
        try (CommandClient client = CommandClient.create(env.bootstrapServers(), env.topicPrefix(), "billing-service",
                Duration.ofSeconds(10))) {
            transferId = client.send(new TransferKarma(debit, UUID.randomUUID(), 5));
            client.send(claimCommand, new SubmitClaim(claim, debit, "s", "t", Map.of("k", 1), 0));
        }

        ConsumerRecord<String, byte[]> transfer = single(topics.karmaCommands());
        assertThat(transfer.key()).isEqualTo(debit.toString());
        Envelope<LedgerCommand> envelope = new MessageCodec().decode(transfer.value(), LedgerCommand.class);
        assertThat(envelope.id()).isEqualTo(transferId);
        assertThat(envelope.actor()).isEqualTo("billing-service");
        assertThat(envelope.payload()).isEqualTo(new TransferKarma(debit, ((TransferKarma) envelope.payload()).creditAccountId(), 5));

        ConsumerRecord<String, byte[]> submitted = single(topics.claimCommands());
        assertThat(submitted.key()).isEqualTo(claim.toString());
        assertThat(new MessageCodec().decode(submitted.value(), LedgerCommand.class).id()).isEqualTo(claimCommand);
    }

    @Test
    void withoutABrokerASendFailsWithinTheTimeoutNamingTheCommand() {
        UUID commandId = UUID.randomUUID();
        try (CommandClient client = CommandClient.create("127.0.0.1:1", "", "svc", Duration.ofSeconds(1))) {
            assertThatThrownBy(() -> client.send(commandId, new TransferKarma(UUID.randomUUID(), UUID.randomUUID(), 1)))
                    .isInstanceOfSatisfying(CommandClient.CommandNotAcknowledgedException.class,
                            e -> assertThat(e.commandId()).isEqualTo(commandId));
        }
    }

    private static ConsumerRecord<String, byte[]> single(String topic) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, env.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "client-test-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return !records.isEmpty();
            });
            assertThat(records).hasSize(1);
            return records.get(0);
        }
    }
}
