package org.agentplatform.ledger.karma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.agentplatform.schema.ledger.Accounts;
import org.agentplatform.schema.ledger.GrantKarma;
import org.agentplatform.schema.ledger.LedgerCommand;
import org.agentplatform.schema.ledger.RegisterAgent;
import org.agentplatform.schema.ledger.TransferKarma;
import org.agentplatform.schema.messaging.Envelope;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

/** The ledger worker over a real PostgreSQL 16 and a real Kafka broker, fed straight through the command topics. */
class LedgerWorkerIntegrationTest extends AbstractLedgerIntegrationTest {

    @Test
    void grantsAndTransfersKarma() {
        UUID a = client.registerAgent("alice");
        UUID b = client.registerAgent("bob");
        awaitApplied(a, b);

        UUID grant = client.send(new GrantKarma(a, 100));
        probe().awaitOutcome(grant, "APPLIED");
        UUID transfer = client.send(new TransferKarma(a, b, 30));
        probe().awaitOutcome(transfer, "APPLIED");

        assertThat(probe().balance(a)).isEqualTo(70);
        assertThat(probe().balance(b)).isEqualTo(30);
        assertThat(jdbc.queryForMap("select amount, kind, debit_balance_before, debit_balance_after from transfers where id = ?", transfer))
                .containsEntry("amount", 30L).containsEntry("kind", "TRANSFER")
                .containsEntry("debit_balance_before", 100L).containsEntry("debit_balance_after", 70L);
        assertThat(probe().outboxTypesCausedBy(transfer)).containsExactly("TransferPosted");
        assertConservation();
    }

    /**
     * Registration, grant and the agent's first spending published back to back, as a producer that does not
     * wait for outcomes does: they share the agent's key, so they are applied in order, and none is refused
     * as UNKNOWN_ACCOUNT (the first release put registrations on a topic of their own and lost this order).
     */
    @Test
    void aGrantAndATransferSentRightAfterTheRegistrationApply() {
        UUID payee = client.registerAgent("payee");
        awaitApplied(payee);
        UUID agent = UUID.randomUUID();
        UUID registration = client.send(new RegisterAgent(agent, "newcomer"), "admin");
        UUID grant = client.send(new GrantKarma(agent, 50), "admin");
        UUID spend = client.send(new TransferKarma(agent, payee, 20), agent.toString());
        probe().awaitOutcome(registration, "APPLIED");
        probe().awaitOutcome(grant, "APPLIED");
        probe().awaitOutcome(spend, "APPLIED");
        assertThat(probe().balance(agent)).isEqualTo(30);
        assertConservation();
    }

    @Test
    void appliesACommandDeliveredTwiceOnce() {
        UUID a = client.registerAgent("carol");
        awaitApplied(a);
        Envelope<LedgerCommand> grant = client.envelope(new GrantKarma(a, 40));
        client.send(grant);
        client.send(grant);
        UUID marker = client.send(new GrantKarma(a, 1)); // same key, so it is applied after both copies
        probe().awaitOutcome(marker, "APPLIED");

        assertThat(probe().balance(a)).isEqualTo(41);
        assertThat(jdbc.queryForObject("select count(*) from transfers where id = ?", Long.class, grant.id())).isOne();
        assertThat(jdbc.queryForObject("select count(*) from processed_commands where command_id = ?", Long.class, grant.id())).isOne();
    }

    @Test
    void rejectsAnOverdraftAsARecordedOutcome() {
        UUID a = client.registerAgent("dave");
        UUID b = client.registerAgent("erin");
        awaitApplied(a, b);
        probe().awaitOutcome(client.send(new GrantKarma(a, 50)), "APPLIED");

        UUID overdraft = client.send(new TransferKarma(a, b, 51));
        probe().awaitOutcome(overdraft, "REJECTED");

        assertThat(jdbc.queryForObject("select reason from processed_commands where command_id = ?", String.class, overdraft))
                .isEqualTo("INSUFFICIENT_FUNDS");
        assertThat(probe().balance(a)).isEqualTo(50);
        assertThat(probe().balance(b)).isZero();
        assertThat(probe().outboxTypesCausedBy(overdraft)).containsExactly("CommandRejected");
        assertThat(jdbc.queryForObject("select payload->'payload'->>'reason' from outbox where payload->>'causationId' = ?",
                String.class, overdraft.toString())).isEqualTo("INSUFFICIENT_FUNDS");
    }

    @Test
    void deadLettersUnreadableRecordsWithTheReasonAndKeepsGoing() {
        UUID a = client.registerAgent("frank");
        awaitApplied(a);
        String key = Accounts.TREASURY.toString(); // the grant below shares the partition
        client.sendRaw(env.topicPrefix() + "commands.karma", key, "this is not json".getBytes(StandardCharsets.UTF_8));
        client.sendRaw(env.topicPrefix() + "commands.karma", key,
                "{\"id\":\"%s\",\"type\":\"MintMoney\",\"schemaVersion\":1,\"payload\":{}}".formatted(UUID.randomUUID())
                        .getBytes(StandardCharsets.UTF_8));
        UUID grant = client.send(new GrantKarma(a, 7));
        probe().awaitOutcome(grant, "APPLIED");

        List<ConsumerRecord<String, byte[]>> dead = client.readAll(env.topicPrefix() + "commands.karma.dlt", 2);
        assertThat(dead).hasSize(2);
        assertThat(header(dead.get(0), "dlt-reason")).startsWith("not JSON");
        assertThat(header(dead.get(1), "dlt-reason")).isEqualTo("unknown message type 'MintMoney'");
        assertThat(header(dead.get(0), "kafka_dlt-original-topic")).isEqualTo(env.topicPrefix() + "commands.karma");
        assertThat(new String(dead.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("this is not json");
        assertThat(probe().balance(a)).isEqualTo(7);
    }

    private void awaitApplied(UUID... agents) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(
                jdbc.queryForObject("select count(*) from accounts where id = any(?)", Long.class, (Object) agents))
                .isEqualTo(agents.length));
    }

    private void assertConservation() {
        assertThat(jdbc.queryForObject("select sum(balance) from accounts", Long.class)).isZero();
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
