package org.agentplatform.jobs.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import org.agentplatform.ledger.LedgerWorkerApplication;
import org.agentplatform.schema.jobs.CompleteJob;
import org.agentplatform.schema.jobs.RequestLease;
import org.agentplatform.schema.jobs.SubmitJob;
import org.agentplatform.schema.ledger.LedgerCommand;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.MessageCodec;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ConfigurableApplicationContext;

import tools.jackson.databind.node.JsonNodeFactory;

/**
 * Priced jobs, with the real ledger worker running next to the job worker: it is started on the class's environment
 * before the job worker's context and stopped after the class's last test. Each test gets a job client and a
 * producer straight to the ledger's command topics, and reads the escrow and the accounts back.
 */
abstract class AbstractEscrowIntegrationTest extends AbstractJobWorkerIntegrationTest {

    private static final Map<Class<?>, ConfigurableApplicationContext> LEDGERS = new ConcurrentHashMap<>();

    protected JobTestClient client;
    protected KafkaProducer<String, byte[]> ledgerProducer;
    @Autowired
    protected EscrowRelay saga;

    @BeforeAll
    static void startLedger(TestInfo test) {
        LEDGERS.put(test.getTestClass().orElseThrow(),
                LedgerWorkerApplication.application().run(environment(test).commandLineArgs("--server.port=0")));
    }

    @AfterAll
    static void stopLedger(TestInfo test) {
        ConfigurableApplicationContext ledger = LEDGERS.remove(test.getTestClass().orElseThrow());
        if (ledger != null) {
            ledger.close();
        }
    }

    @BeforeEach
    void connect() {
        client = new JobTestClient(env, jdbc);
        ledgerProducer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, env.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer());
    }

    /** A test that stops the saga's relay leaves it running for the next. */
    @AfterEach
    void restartTheSaga() {
        if (!saga.isRunning()) {
            saga.start();
        }
    }

    /**
     * A priced job of {@code submitter}'s, held, leased and completed by {@code executor} while the saga's relay is
     * stopped: its POST is written and unsent. Submitted ahead of any job another test left runnable, so that the
     * lease request gets this one.
     */
    protected UUID completedWhileTheSagaIsStopped(UUID submitter, UUID executor, long price) {
        SubmitJob base = priced(submitter, price, 3, Duration.ofSeconds(30));
        SubmitJob submit = new SubmitJob(base.jobId(), submitter, base.spec(), 9, 3, base.leaseTimeout(), price);
        UUID job = submit.jobId();
        client.send(submit);
        await().atMost(WAIT).until(() -> "HELD".equals(escrow(job)) && client.isRunnable(job));
        awaitOutcome(client.send(new RequestLease(executor)), "APPLIED");
        saga.stop();
        awaitOutcome(client.send(new CompleteJob(job, executor, 1, JsonNodeFactory.instance.textNode("done"))), "APPLIED");
        assertThat(escrow(job)).isEqualTo("PAYING");
        return job;
    }

    @AfterEach
    void disconnect() {
        client.close();
        ledgerProducer.close();
    }

    static SubmitJob priced(UUID submitter, long price, int maxAttempts, Duration leaseTimeout) {
        return new SubmitJob(UUID.randomUUID(), submitter, JsonNodeFactory.instance.objectNode().put("run", "x"), 5,
                maxAttempts, leaseTimeout, price);
    }

    protected UUID ledger(LedgerCommand command) {
        return ledger(command, "test");
    }

    /** Sends straight to the ledger's command topic as {@code actor}; returns the command id. */
    protected UUID ledger(LedgerCommand command, String actor) {
        Envelope<LedgerCommand> envelope = Envelope.of(UUID.randomUUID(), command, actor, Instant.now());
        try {
            ledgerProducer.send(new ProducerRecord<>(new Topics(env.topicPrefix()).commandsFor(command),
                    command.partitionKey(), new MessageCodec().encode(envelope))).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return envelope.id();
    }

    /** Registrations and grants travel on different topics, in no order to each other: grant once they exist. */
    protected void awaitAccounts(UUID... ids) {
        await().atMost(WAIT).until(() -> jdbc.queryForObject("select count(*) from accounts where id = any(?)",
                Long.class, (Object) ids) == ids.length);
    }

    protected String escrow(UUID job) {
        return jdbc.queryForList("select escrow_status from jobs where id = ?", String.class, job).stream().findFirst()
                .orElse(null);
    }

    protected long balance(UUID account) {
        return jdbc.queryForList("select balance from accounts where id = ?", Long.class, account).stream().findFirst()
                .orElse(-1L);
    }

    protected Map<String, Object> account(UUID account) {
        return jdbc.queryForMap("select balance, pending_debits, pending_credits from accounts where id = ?", account);
    }
}
