package org.agentplatform.audit.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.sql.DataSource;

import org.agentplatform.audit.AuditWorkerIntegrationTest;
import org.agentplatform.audit.Ledger;
import org.agentplatform.runtime.ConsumerGroupSettings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;

/**
 * The audit-log consumer group behaves like every consumer group of the platform (settings from
 * {@code platform.consumer.*}): a member that vanishes without leaving (a killed process; here a static member,
 * which does not leave when it stops) hands its partitions on after the 6 s session timeout, not Kafka's 45 s,
 * so the audit log does not trail the commits by that long.
 */
@ExtendWith(OutputCaptureExtension.class)
class AuditLogGroupTest extends AuditWorkerIntegrationTest {

    private static final Logger log = LoggerFactory.getLogger(AuditLogGroupTest.class);
    private static final int PARTITIONS = 6;

    @Test
    void aMemberThatVanishesHandsItsPartitionsOnWithinTheSessionTimeout(CapturedOutput output) throws Exception {
        ConfigurableApplicationContext a = startRunning("--platform.audit.instance-id=a",
                "--platform.consumer.instance-id=audit-a");
        ConfigurableApplicationContext b = start("--platform.audit.instance-id=b",
                "--platform.consumer.instance-id=audit-b");

        assertThat(a.getBean(ConsumerGroupSettings.class))
                .isEqualTo(new ConsumerGroupSettings(Duration.ofSeconds(6), Duration.ofSeconds(1), "audit-a"));
        await().atMost(Duration.ofSeconds(60)).until(() -> !assigned(a).isEmpty() && !assigned(b).isEmpty()
                && assigned(a).size() + assigned(b).size() == PARTITIONS);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, env.bootstrapServers()))) {
            ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(env.topic("audit-log")))
                    .describedGroups().get(env.topic("audit-log")).get();
            assertThat(group.partitionAssignor()).isEqualTo("cooperative-sticky");
            assertThat(group.members()).extracting(m -> m.groupInstanceId().orElse(null))
                    .containsExactlyInAnyOrder("audit-a-0", "audit-b-0");
        }
        Set<Integer> ofA = new HashSet<>();
        assigned(a).forEach(tp -> ofA.add(tp.partition()));
        assertThat(output.getOut()).contains("Group " + env.topic("audit-log") + ": assigned [");

        // a stops without leaving the group (static membership), as a killed instance would
        a.close();
        DataSource db = superuser();
        Ledger ledger = new Ledger(db);
        Ledger.Written hitsA = null;
        for (int i = 0; i < 20 && hitsA == null; i++) {
            Ledger.Written w = ledger.registerAndGrant("after-a-" + i, 1);
            if (List.of("agents:" + w.agentId(), "accounts:" + w.accountId(), "transfers:" + w.transferId(),
                    "accounts:" + Ledger.TREASURY).stream().anyMatch(key -> ofA.contains(partitionOf(key)))) {
                hitsA = w;
            }
        }
        assertThat(hitsA).as("a transaction with a change in one of a's partitions").isNotNull();
        long committed = System.nanoTime();
        Ledger.Written target = hitsA;
        await().atMost(Duration.ofSeconds(60)).until(() -> logCountOfTx(target.txId()) == 5);
        Duration trailed = Duration.ofNanos(System.nanoTime() - committed);
        log.info("AUDIT LOG GROUP: a's partitions {} were logged by b {} ms after the commit", ofA, trailed.toMillis());
        assertThat(assigned(b)).hasSize(PARTITIONS);
        assertThat(trailed).as("well below Kafka's default session timeout of 45 s").isLessThan(Duration.ofSeconds(30));
        assertThat(output.getOut()).contains("Group " + env.topic("audit-log") + ": assigned [");
    }

    @SuppressWarnings("unchecked")
    private static ConcurrentMessageListenerContainer<String, byte[]> container(ConfigurableApplicationContext context) {
        return context.getBean("auditLogContainer", ConcurrentMessageListenerContainer.class);
    }

    private static Set<TopicPartition> assigned(ConfigurableApplicationContext context) {
        var partitions = container(context).getAssignedPartitions();
        return partitions == null ? Set.of() : Set.copyOf(partitions);
    }

    /** The partition Kafka's default partitioner picks for a key. */
    private static int partitionOf(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
    }
}
