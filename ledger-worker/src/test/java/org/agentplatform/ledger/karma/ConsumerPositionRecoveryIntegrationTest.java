package org.agentplatform.ledger.karma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.agentplatform.embedded.TestEnvironment;
import org.agentplatform.embedded.TestServers;
import org.agentplatform.ledger.LedgerWorkerApplication;
import org.agentplatform.schema.ledger.GrantKarma;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * A worker that stops after its database commit but before Kafka learned its offsets must, on restart,
 * neither apply anything twice nor lose anything. The test produces exactly that state: it rewinds the
 * group's Kafka offsets to the beginning while the worker is down, as if no Kafka commit had ever happened.
 */
class ConsumerPositionRecoveryIntegrationTest {

    private final TestEnvironment env = TestServers.newEnvironment();

    @Test
    void resumesFromThePositionStoredWithTheEffect() throws Exception {
        try (LedgerTestClient client = new LedgerTestClient(env)) {
            UUID a = client.registerAgent("gina");
            UUID last;
            try (ConfigurableApplicationContext worker = start()) {
                JdbcTemplate jdbc = worker.getBean(JdbcTemplate.class);
                // The registration travels on the agents topic, the grants on the karma topic: no order between
                // them is promised, so wait for the account before granting.
                await().atMost(Duration.ofSeconds(30)).until(() -> jdbc.queryForObject(
                        "select count(*) from accounts where id = ?", Long.class, a) == 1);
                for (int i = 0; i < 20; i++) {
                    client.send(new GrantKarma(a, 1));
                }
                last = client.send(new GrantKarma(a, 1));
                awaitApplied(jdbc, last);
                assertThat(balance(jdbc, a)).isEqualTo(21);
            }

            String topic = env.topicPrefix() + "commands.karma";
            rewindKafkaOffsets(topic);

            try (ConfigurableApplicationContext worker = start()) {
                JdbcTemplate jdbc = worker.getBean(JdbcTemplate.class);
                UUID after = client.send(new GrantKarma(a, 100));
                awaitApplied(jdbc, after);
                assertThat(balance(jdbc, a)).isEqualTo(121);
                assertThat(jdbc.queryForObject("select count(*) from transfers where credit_account_id = ?", Long.class, a))
                        .isEqualTo(22);
                // The stored position was used: not even the inbox had to catch a redelivery.
                assertThat(worker.getBean(MeterRegistry.class).get("platform.commands").tag("outcome", "duplicate")
                        .counter().count()).isZero();
            }
        }
    }

    private ConfigurableApplicationContext start() {
        return LedgerWorkerApplication.application().run(env.commandLineArgs("--server.port=0"));
    }

    private void rewindKafkaOffsets(String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, env.bootstrapServers()))) {
            Map<TopicPartition, OffsetAndMetadata> zero = new HashMap<>();
            admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                    .forEach(p -> zero.put(new TopicPartition(topic, p.partition()), new OffsetAndMetadata(0)));
            admin.alterConsumerGroupOffsets(env.topicPrefix() + "ledger-worker", zero).all().get();
            assertThat(admin.listConsumerGroupOffsets(env.topicPrefix() + "ledger-worker").partitionsToOffsetAndMetadata().get())
                    .allSatisfy((tp, offset) -> {
                        if (tp.topic().equals(topic)) {
                            assertThat(offset.offset()).isZero();
                        }
                    });
        }
    }

    private static void awaitApplied(JdbcTemplate jdbc, UUID commandId) {
        await().atMost(Duration.ofSeconds(30)).until(() -> jdbc.queryForObject(
                "select count(*) from processed_commands where command_id = ?", Long.class, commandId) == 1);
    }

    private static long balance(JdbcTemplate jdbc, UUID account) {
        return jdbc.queryForObject("select balance from accounts where id = ?", Long.class, account);
    }
}
