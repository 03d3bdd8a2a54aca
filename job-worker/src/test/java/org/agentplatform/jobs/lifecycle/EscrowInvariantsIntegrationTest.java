package org.agentplatform.jobs.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.agentplatform.jobs.JobWorkerApplication;
import org.agentplatform.ledger.LedgerWorkerApplication;
import org.agentplatform.schema.jobs.CancelJob;
import org.agentplatform.schema.jobs.CompleteJob;
import org.agentplatform.schema.jobs.FailJob;
import org.agentplatform.schema.jobs.JobEscrow;
import org.agentplatform.schema.jobs.RequestLease;
import org.agentplatform.schema.jobs.SubmitJob;
import org.agentplatform.schema.ledger.GrantKarma;
import org.agentplatform.schema.ledger.LedgerCommand;
import org.agentplatform.schema.ledger.RegisterAgent;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.MessageCodec;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.context.TestPropertySource;

import tools.jackson.databind.node.JsonNodeFactory;

/**
 * A random stream of priced jobs (some submitters too poor, random cancels, executors that complete, fail or
 * stall) over the ledger worker and several job-worker instances, one of which is stopped half way and
 * replaced; the escrow relay's "sent" marks are also wiped now and then, as a crash between publishing and
 * marking would leave them, so commands are re-sent. Afterwards the ledger must balance and every priced job
 * must be paid or refunded exactly once.
 */
@TestPropertySource(properties = {"platform.jobs.backoff-base=50ms", "platform.jobs.rescue-interval=50ms",
        "platform.jobs.saga-interval=50ms"})
class EscrowInvariantsIntegrationTest extends AbstractJobWorkerIntegrationTest {

    static final String[] ARGS = {"--server.port=0", "--platform.jobs.backoff-base=50ms",
            "--platform.jobs.rescue-interval=50ms", "--platform.jobs.saga-interval=50ms"};
    static final List<ConfigurableApplicationContext> others = new ArrayList<>();

    @AfterAll
    static void stopOthers() {
        others.forEach(ConfigurableApplicationContext::close);
    }

    @Test
    void theLedgerBalancesAndEveryPricedJobIsPaidOrRefundedExactlyOnce() {
        long seed = Long.getLong("jobs.seed", System.nanoTime());
        System.out.println("EscrowInvariantsIntegrationTest seed " + seed);
        Random random = new Random(seed);
        others.add(LedgerWorkerApplication.application().run(env.commandLineArgs("--server.port=0")));
        ConfigurableApplicationContext second = JobWorkerApplication.application().run(env.commandLineArgs(ARGS));
        others.add(second);

        Map<UUID, Long> grants = new HashMap<>();
        List<UUID> executors = new ArrayList<>();
        ScheduledExecutorService simulator = Executors.newSingleThreadScheduledExecutor();
        try (JobTestClient client = new JobTestClient(env, jdbc);
             KafkaProducer<String, byte[]> ledger = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, env.bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"),
                     new StringSerializer(), new ByteArraySerializer())) {
            List<UUID> submitters = List.of(UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID());
            long[] amounts = {400, 250, 40};
            for (int i = 0; i < 3; i++) {
                send(ledger, new RegisterAgent(submitters.get(i), "submitter" + i));
            }
            for (int i = 0; i < 4; i++) {
                UUID e = UUID.randomUUID();
                executors.add(e);
                send(ledger, new RegisterAgent(e, "executor" + i));
            }
            // Registrations and grants travel on different topics, in no order to each other: grant only
            // once the accounts exist, as a producer must.
            await().atMost(Duration.ofSeconds(60)).until(() -> jdbc.queryForObject(
                    "select count(*) from accounts where id = any(?)", Long.class,
                    (Object) submitters.toArray(UUID[]::new)) == 3);
            for (int i = 0; i < 3; i++) {
                send(ledger, new GrantKarma(submitters.get(i), amounts[i]));
                grants.put(submitters.get(i), amounts[i]);
            }
            ledger.flush();
            await().atMost(Duration.ofSeconds(60)).until(() -> jdbc.queryForObject(
                    "select count(*) from accounts where agent_id is not null and (balance > 0 or agent_id = any(?))",
                    Long.class, (Object) executors.toArray(UUID[]::new)) == 7);

            // executors: ask for work, then complete, fail or stall each lease they got, once
            Set<String> handled = new HashSet<>();
            Random executorRandom = new Random(seed + 1);
            simulator.scheduleWithFixedDelay(() -> {
                try {
                    client.sendAsync(new RequestLease(executors.get(executorRandom.nextInt(executors.size()))));
                    for (Map<String, Object> lease : jdbc.queryForList(
                            "select id, lessee, fencing_token from jobs where status = 'LEASED'")) {
                        UUID job = (UUID) lease.get("id");
                        UUID lessee = (UUID) lease.get("lessee");
                        long token = (Long) lease.get("fencing_token");
                        if (!handled.add(job + ":" + token)) {
                            continue;
                        }
                        int dice = executorRandom.nextInt(10);
                        if (dice < 5) {
                            client.sendAsync(new CompleteJob(job, lessee, token, JsonNodeFactory.instance.textNode("ok")));
                        } else if (dice < 7) {
                            client.sendAsync(new FailJob(job, lessee, token, "flaky", true));
                        } else if (dice < 8) {
                            client.sendAsync(new FailJob(job, lessee, token, "broken", false));
                        } // else: stalls, and the lease expires
                    }
                    client.flush();
                } catch (RuntimeException e) {
                    System.out.println("simulator: " + e);
                }
            }, 0, 30, TimeUnit.MILLISECONDS);

            List<SubmitJob> jobs = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                SubmitJob submit = new SubmitJob(UUID.randomUUID(), submitters.get(random.nextInt(3)),
                        JsonNodeFactory.instance.objectNode().put("n", i), random.nextInt(5), 1 + random.nextInt(3),
                        Duration.ofMillis(300), 10L + random.nextInt(50));
                jobs.add(submit);
                client.sendAsync(submit);
                if (random.nextInt(5) == 0) {
                    client.sendAsync(new CancelJob(submit.jobId(), submit.submitterId()));
                }
                if (i == 15) {
                    // a crash between publishing escrow commands and marking them sent: they go out again
                    jdbc.update("update job_saga_commands set sent_at = null");
                }
                if (i == 20) {
                    second.close(); // one instance goes away half way, another one comes
                    others.add(JobWorkerApplication.application().run(env.commandLineArgs(ARGS)));
                    jdbc.update("update job_saga_commands set sent_at = null");
                }
            }
            client.flush();

            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> assertThat(
                    jdbc.queryForObject("""
                            select count(*) from jobs where status in ('AWAITING_ESCROW', 'QUEUED', 'LEASED')
                               or escrow_status not in ('PAID', 'REFUNDED', 'REJECTED')""", Long.class)).isZero());
            // nothing left unresolved in the saga either
            await().atMost(Duration.ofSeconds(30)).until(() -> jdbc.queryForObject(
                    "select count(*) from job_saga_commands where resolved_at is null", Long.class) == 0);
        } finally {
            simulator.shutdownNow();
        }

        // conservation, and no reservation left behind
        assertThat(jdbc.queryForObject("select sum(balance) from accounts", Long.class)).isZero();
        assertThat(jdbc.queryForObject("select count(*) from accounts where not may_go_negative and balance < 0", Long.class)).isZero();
        assertThat(jdbc.queryForObject("select coalesce(sum(pending_debits) + sum(pending_credits), 0) from accounts", Long.class)).isZero();
        assertThat(jdbc.queryForMap("select balance, pending_credits from accounts where id = ?", JobEscrow.ACCOUNT))
                .containsEntry("balance", 0L).containsEntry("pending_credits", 0L);

        // every finished job paid once, to the executor that completed it; every other job refunded or rejected
        assertThat(jdbc.queryForObject("""
                select count(*) from jobs j where (j.status = 'SUCCEEDED') <> (j.escrow_status = 'PAID')""", Long.class)).isZero();
        assertThat(jdbc.queryForList("""
                select j.id from jobs j where j.escrow_status = 'PAID' and 1 <> (
                    select count(*) from transfers t where t.debit_account_id = ? and t.credit_account_id = j.payee
                       and t.amount = j.price and t.id = (select s.id from job_saga_commands s where s.job_id = j.id and s.step = 'PAY'))
                   or j.payee <> (select a.executor_id from job_attempts a where a.job_id = j.id and a.outcome = 'SUCCEEDED')""",
                UUID.class, JobEscrow.ACCOUNT)).isEmpty();
        assertThat(jdbc.queryForList("""
                select j.id from jobs j where j.escrow_status = 'REFUNDED' and 1 <> (
                    select count(*) from transfers t where t.pending_id = j.escrow_pending_id and t.status = 'VOIDED')""",
                UUID.class)).isEmpty();
        assertThat(jdbc.queryForList("select job_id from job_attempts group by job_id having count(*) filter "
                + "(where outcome = 'SUCCEEDED') > 1", UUID.class)).isEmpty();

        // balances: submitters paid exactly their finished jobs, executors earned exactly theirs
        for (Map.Entry<UUID, Long> g : grants.entrySet()) {
            long paid = jdbc.queryForObject("select coalesce(sum(price), 0) from jobs where submitter_id = ? and escrow_status = 'PAID'",
                    Long.class, g.getKey());
            assertThat(jdbc.queryForObject("select balance from accounts where id = ?", Long.class, g.getKey()))
                    .isEqualTo(g.getValue() - paid);
        }
        for (UUID e : executors) {
            long earned = jdbc.queryForObject("select coalesce(sum(price), 0) from jobs where payee = ? and escrow_status = 'PAID'",
                    Long.class, e);
            assertThat(jdbc.queryForObject("select balance from accounts where id = ?", Long.class, e)).isEqualTo(earned);
        }
        Map<String, Object> mix = jdbc.queryForMap("""
                select count(*) filter (where escrow_status = 'PAID') as paid,
                       count(*) filter (where escrow_status = 'REFUNDED') as refunded,
                       count(*) filter (where escrow_status = 'REJECTED') as rejected,
                       count(*) filter (where status = 'DEAD') as dead,
                       count(*) filter (where status = 'CANCELLED') as cancelled from jobs""");
        System.out.println("EscrowInvariantsIntegrationTest outcome mix " + mix);
        assertThat((Long) mix.get("paid")).isPositive();
        assertThat((Long) mix.get("refunded")).isPositive();
    }

    private void send(KafkaProducer<String, byte[]> producer, LedgerCommand command) {
        producer.send(new ProducerRecord<>(new Topics(env.topicPrefix()).commandsFor(command), command.partitionKey(),
                new MessageCodec().encode(Envelope.of(UUID.randomUUID(), command, "test", Instant.now()))));
    }
}
