package org.agentplatform.audit.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

import org.agentplatform.audit.AuditWorkerIntegrationTest;
import org.agentplatform.audit.Ledger;
import org.agentplatform.embedded.TopicTail;
import org.agentplatform.schema.audit.AuditChange;
import org.agentplatform.schema.audit.AuditChange.Operation;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.support.SendResult;

/**
 * Runs the worker as its own application (as the local stack does) and restarts it: it must resume from
 * {@code cdc_offsets}, and a batch whose publication failed must be replayed, not lost.
 */
class CdcResumeTest extends AuditWorkerIntegrationTest {

    private TopicTail reader;

    @Test
    void aRestartedWorkerResumesFromItsStoredOffsetsWithoutSnapshottingAgain() throws Exception {
        reader = reader(env.topic("audit.changes"), env.topic("events.karma"));

        DataSource database = superuser();
        Ledger ledger = new Ledger(database);
        ConfigurableApplicationContext context = startRunning();
        long seeded = auditedRows();
        Ledger.Written before = ledger.registerAndGrant("before-restart", 10);
        await().atMost(Duration.ofSeconds(30)).until(() -> changesOf(before.agentId().toString()), l -> !l.isEmpty());
        context.close();
        String offsetAtStop = (String) CdcPipelineTest.offsets(database).get(0).get("offset_value");

        // written while no worker runs: the slot keeps it
        Ledger.Written whileDown = ledger.registerAndGrant("while-down", 20);

        startRunning();
        await().atMost(Duration.ofSeconds(60)).until(() -> changesOf(whileDown.agentId().toString()), l -> !l.isEmpty());
        await().atMost(Duration.ofSeconds(30)).until(() -> reader.records(env.topic("events.karma")).stream()
                .anyMatch(r -> whileDown.eventId().toString().equals(TopicTail.header(r, "id"))));

        List<AuditChange> all = auditChanges(reader, env.topic("audit.changes"));
        // the snapshot ran once, on the very first start (one change per row the migrations seed)
        assertThat(all).filteredOn(c -> c.operation() == Operation.SNAPSHOT).hasSize((int) seeded);
        // a clean stop saved the position: nothing from before the restart was delivered again
        assertThat(all).filteredOn(c -> c.txId() == before.txId()).hasSize(5);
        assertThat(all).filteredOn(c -> c.txId() == whileDown.txId()).hasSize(5);
        assertThat(all).extracting(AuditChange::changeId).doesNotHaveDuplicates();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> !CdcPipelineTest.offsets(database).get(0).get("offset_value").equals(offsetAtStop));
    }

    @Test
    void aBatchThatCouldNotBePublishedIsReplayedAfterTheEngineRestarts() throws Exception {
        reader = reader(env.topic("audit.changes"), env.topic("events.karma"));

        ConfigurableApplicationContext context = startRunning(List.of(FailFirstAgentSend.class));
        CdcEngine engine = context.getBean(CdcEngine.class);
        Ledger.Written written = new Ledger(context.getBean(DataSource.class)).registerAndGrant("unlucky", 1);

        // the first attempt failed, the engine restarted from the saved offsets and published the batch
        await().atMost(Duration.ofSeconds(60)).until(() -> changesOf(written.agentId().toString()), l -> !l.isEmpty());
        assertThat(context.getBean(FailFirstAgentSend.class).failed).isTrue();
        assertThat(engine.restarts()).isGreaterThanOrEqualTo(1);
        await().atMost(Duration.ofSeconds(30)).until(() -> engine.state() == CdcEngine.State.RUNNING);
        await().atMost(Duration.ofSeconds(30)).until(() -> auditChanges(reader, env.topic("audit.changes")).stream()
                .filter(c -> c.txId() == written.txId()).map(AuditChange::changeId).distinct().count() == 5);
        assertThat(reader.records(env.topic("events.karma")))
                .anyMatch(r -> written.eventId().toString().equals(TopicTail.header(r, "id")));
    }

    @Test
    void aCleanStopLetsTheBatchInFlightFinishSoThatNothingIsDeliveredTwice() throws Exception {
        reader = reader(env.topic("audit.changes"), env.topic("events.karma"));
        DataSource database = superuser();

        ConfigurableApplicationContext context = startRunning(List.of(SlowAgentAck.class));
        SlowAgentAck slow = context.getBean(SlowAgentAck.class);
        Ledger.Written written = new Ledger(database).registerAndGrant("in-flight", 3);
        // the batch with the agent change is sent and waits for the broker's acknowledgement: stop now
        assertThat(slow.sent.await(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        context.close();
        assertThat(slow.acknowledged).as("the stop waited for the batch").isTrue();

        startRunning();
        Ledger.Written later = new Ledger(database).registerAndGrant("later", 4);
        await().atMost(Duration.ofSeconds(60)).until(() -> changesOf(later.agentId().toString()), l -> !l.isEmpty());
        List<AuditChange> all = auditChanges(reader, env.topic("audit.changes"));
        assertThat(all).filteredOn(c -> c.txId() == written.txId()).hasSize(5);
        assertThat(all).extracting(AuditChange::changeId).doesNotHaveDuplicates();
    }

    private List<AuditChange> changesOf(String agentId) {
        return auditChanges(reader, env.topic("audit.changes")).stream()
                .filter(c -> c.table().equals("agents") && c.primaryKey().get("id").asString().equals(agentId))
                .toList();
    }

    /** A template whose first agent change is acknowledged only two seconds after the broker did. */
    @Configuration(proxyBeanMethods = false)
    static class SlowAgentAck {

        final java.util.concurrent.CountDownLatch sent = new java.util.concurrent.CountDownLatch(1);
        volatile boolean acknowledged;

        @Bean
        @Primary
        KafkaTemplate<String, byte[]> slowTemplate(ProducerFactory<String, byte[]> producers) {
            AtomicBoolean armed = new AtomicBoolean(true);
            return new KafkaTemplate<>(producers) {
                @Override
                public CompletableFuture<SendResult<String, byte[]>> send(ProducerRecord<String, byte[]> record) {
                    CompletableFuture<SendResult<String, byte[]>> send = super.send(record);
                    if (record.key() == null || !record.key().startsWith("agents:") || !armed.compareAndSet(true, false)) {
                        return send;
                    }
                    sent.countDown();
                    return send.thenApplyAsync(result -> {
                        acknowledged = true;
                        return result;
                    }, CompletableFuture.delayedExecutor(2, java.util.concurrent.TimeUnit.SECONDS));
                }
            };
        }
    }

    /** A template whose first send of an agent change fails, as if the broker had rejected it. */
    @Configuration(proxyBeanMethods = false)
    static class FailFirstAgentSend {

        volatile boolean failed;

        @Bean
        @Primary
        KafkaTemplate<String, byte[]> failingTemplate(ProducerFactory<String, byte[]> producers) {
            AtomicBoolean armed = new AtomicBoolean(true);
            return new KafkaTemplate<>(producers) {
                @Override
                public CompletableFuture<SendResult<String, byte[]>> send(ProducerRecord<String, byte[]> record) {
                    if (record.key() != null && record.key().startsWith("agents:") && armed.compareAndSet(true, false)) {
                        failed = true;
                        return CompletableFuture.failedFuture(new NotEnoughReplicasException("injected"));
                    }
                    return super.send(record);
                }
            };
        }
    }
}
