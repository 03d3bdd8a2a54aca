package org.agentplatform.jobs.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.agentplatform.schema.authorization.CommandPolicy;
import org.agentplatform.schema.jobs.CancelJob;
import org.agentplatform.schema.jobs.CompleteJob;
import org.agentplatform.schema.jobs.FailJob;
import org.agentplatform.schema.jobs.Heartbeat;
import org.agentplatform.schema.jobs.RequestLease;
import org.agentplatform.schema.jobs.SubmitJob;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

import tools.jackson.databind.node.JsonNodeFactory;

/**
 * The job worker over a real PostgreSQL 16 and a real Kafka broker, with real time: short lease timeouts and
 * backoff, and a rescuer that looks every 100 ms. Tests share one database, so each leaves no runnable job.
 */
@TestPropertySource(properties = {"platform.consumer.delete-outbox-rows=false", "platform.jobs.backoff-base=200ms",
        "platform.jobs.rescue-interval=100ms"})
class JobLifecycleIntegrationTest extends AbstractJobWorkerIntegrationTest {

    JobTestClient client;
    final UUID submitter = UUID.randomUUID();

    @BeforeEach
    void connect() {
        client = new JobTestClient(env, jdbc);
    }

    @AfterEach
    void disconnect() {
        client.close();
        // no job of one test may be leased by the next, even when the test failed half way
        int leftovers = jdbc.update("update jobs set status = 'CANCELLED', lessee = null, lease_expires_at = null "
                + "where status in ('QUEUED', 'LEASED')");
        assertThat(leftovers).as("jobs left runnable or leased").isZero();
    }

    @Test
    void aRescuedJobIsReleasedToAnotherExecutorAndTheFirstExecutorsLateCompletionIsRejected() {
        UUID e1 = client.agent();
        UUID e2 = client.agent();
        SubmitJob submit = JobTestClient.job(submitter, 5, 3, Duration.ofMillis(800));
        UUID job = submit.jobId();
        awaitOutcome(client.send(submit), "APPLIED");

        awaitOutcome(client.send(new RequestLease(e1)), "APPLIED");
        assertThat(client.job(job)).containsEntry("status", "LEASED").containsEntry("lessee", e1)
                .containsEntry("fencing_token", 1L);

        // executor 1 pauses (no heartbeat): the rescuer takes the lease back, the job waits out its backoff
        await().atMost(WAIT).until(() -> client.isRunnable(job));
        awaitOutcome(client.send(new RequestLease(e2)), "APPLIED");
        assertThat(client.job(job)).containsEntry("status", "LEASED").containsEntry("lessee", e2)
                .containsEntry("fencing_token", 2L).containsEntry("attempts", 2);

        // executor 1 wakes up and reports with its old token
        UUID lateHeartbeat = client.send(new Heartbeat(job, e1, 1));
        UUID lateCompletion = client.send(new CompleteJob(job, e1, 1, JsonNodeFactory.instance.textNode("from e1")));
        awaitOutcome(lateHeartbeat, "STALE_LEASE");
        awaitOutcome(lateCompletion, "STALE_LEASE");
        // a stranger trying the old token is told only that the lease is not its own, and leaves no history
        UUID stranger = client.agent();
        awaitOutcome(client.send(new CompleteJob(job, stranger, 1, JsonNodeFactory.instance.textNode("mine"))),
                "NOT_LESSEE");

        awaitOutcome(client.send(new Heartbeat(job, e2, 2)), "APPLIED");
        awaitOutcome(client.send(new CompleteJob(job, e2, 2, JsonNodeFactory.instance.textNode("from e2"))), "APPLIED");
        // a retried completion (new command id) of the finished job is refused too
        awaitOutcome(client.send(new CompleteJob(job, e2, 2, JsonNodeFactory.instance.textNode("again"))), "STALE_LEASE");

        assertThat(client.job(job)).containsEntry("status", "SUCCEEDED").containsEntry("result", "\"from e2\"");
        assertThat(client.eventTypes(job)).containsExactly("JobSubmitted", "JobLeased", "JobLeaseExpired", "JobLeased",
                "JobCompleted");
        assertThat(jdbc.queryForList("select fencing_token || ':' || executor_id || ':' || outcome from job_attempts "
                + "where job_id = ? order by fencing_token", String.class, job))
                .containsExactly("1:" + e1 + ":EXPIRED", "2:" + e2 + ":SUCCEEDED");
        assertThat(jdbc.queryForList("select kind from job_history where job_id = ? order by id", String.class, job))
                .containsExactly("SUBMITTED", "LEASED", "RESCUED", "LEASED", "STALE_LEASE_REJECTED",
                        "STALE_LEASE_REJECTED", "COMPLETED", "STALE_LEASE_REJECTED");
        assertThat(jdbc.queryForObject("select count(*) from outbox where event_type = 'CommandRejected' "
                + "and payload->'payload'->>'aggregateId' = ? and payload->'payload'->>'reason' = 'STALE_LEASE'",
                Long.class, job.toString())).isEqualTo(3);
    }

    @Test
    void retryableFailuresBackOffLongerEachTimeAndTheJobIsDeadAfterMaxAttempts() {
        UUID executor = client.agent();
        SubmitJob submit = JobTestClient.job(submitter, 5, 3, Duration.ofSeconds(30));
        UUID job = submit.jobId();
        awaitOutcome(client.send(submit), "APPLIED");

        for (int attempt = 1; attempt <= 3; attempt++) {
            await().atMost(WAIT).until(() -> client.isRunnable(job));
            awaitOutcome(client.send(new RequestLease(executor)), "APPLIED");
            assertThat(client.job(job)).containsEntry("fencing_token", (long) attempt);
            awaitOutcome(client.send(new FailJob(job, executor, attempt, "exit 1", true)), "APPLIED");
        }

        assertThat(client.job(job)).containsEntry("status", "DEAD").containsEntry("attempts", 3);
        List<Long> delays = jdbc.queryForList("select (extract(epoch from run_at - at) * 1000)::bigint from job_history "
                + "where job_id = ? and kind = 'RETRY_SCHEDULED' order by id", Long.class, job);
        assertThat(delays).hasSize(2);
        assertThat(delays.get(0)).isBetween(200L, 250L);
        assertThat(delays.get(1)).isBetween(400L, 500L);
        assertThat(jdbc.queryForList("select kind from job_history where job_id = ? order by id", String.class, job))
                .containsExactly("SUBMITTED", "LEASED", "RETRY_SCHEDULED", "LEASED", "RETRY_SCHEDULED", "LEASED", "DEAD");
        assertThat(client.eventTypes(job)).containsExactly("JobSubmitted", "JobLeased", "JobFailed", "JobLeased",
                "JobFailed", "JobLeased", "JobFailed");
    }

    @Test
    void leasesTheHighestPriorityRunnableJobFirst() {
        UUID executor = client.agent();
        SubmitJob low = JobTestClient.job(submitter, 1, 1, Duration.ofSeconds(30));
        SubmitJob high = JobTestClient.job(submitter, 9, 1, Duration.ofSeconds(30));
        SubmitJob mid = JobTestClient.job(submitter, 5, 1, Duration.ofSeconds(30));
        client.sendAsync(low);
        UUID highSent = client.sendAsync(high);
        awaitOutcome(client.send(mid), "APPLIED");
        awaitOutcome(client.send(low), "JOB_EXISTS"); // the same job id in a new command
        awaitOutcome(highSent, "APPLIED"); // its own key, maybe its own partition: not ordered with the others
        awaitOutcome(client.send(new RequestLease(executor)), "APPLIED");
        assertThat(client.job(high.jobId())).containsEntry("status", "LEASED");
        assertThat(client.job(mid.jobId())).containsEntry("status", "QUEUED");

        awaitOutcome(client.send(new RequestLease(executor)), "APPLIED");
        assertThat(client.job(mid.jobId())).containsEntry("status", "LEASED");
        awaitOutcome(client.send(new RequestLease(executor)), "APPLIED");
        awaitOutcome(client.send(new RequestLease(executor)), "NO_RUNNABLE_JOB");
        for (SubmitJob s : List.of(low, high, mid)) {
            awaitOutcome(client.send(new CompleteJob(s.jobId(), executor, 1, JsonNodeFactory.instance.nullNode())), "APPLIED");
        }

    }

    @Test
    void cancellingRevokesTheLeaseAndOnlyTheSubmitterOrTheAdminMayCancel() {
        UUID executor = client.agent();
        SubmitJob submit = JobTestClient.job(submitter, 5, 3, Duration.ofSeconds(30));
        awaitOutcome(client.send(submit), "APPLIED");
        awaitOutcome(client.send(new RequestLease(executor)), "APPLIED");
        awaitOutcome(client.send(new CancelJob(submit.jobId(), executor)), CommandPolicy.FORBIDDEN);
        awaitOutcome(client.send(new CancelJob(submit.jobId(), submitter)), "APPLIED");
        // the executor of the cancelled lease is told that the job was cancelled
        awaitOutcome(client.send(new CompleteJob(submit.jobId(), executor, 1, JsonNodeFactory.instance.nullNode())),
                "JOB_CANCELLED");
        awaitOutcome(client.send(new CancelJob(UUID.randomUUID(), submitter)), "JOB_NOT_FOUND");
        assertThat(client.job(submit.jobId())).containsEntry("status", "CANCELLED");
        assertThat(jdbc.queryForObject("select outcome from job_attempts where job_id = ?", String.class, submit.jobId()))
                .isEqualTo("CANCELLED");

        // the admin cancels any job, whoever the command names as requester
        SubmitJob other = JobTestClient.job(submitter, 5, 3, Duration.ofSeconds(30));
        awaitOutcome(client.send(other), "APPLIED");
        awaitOutcome(client.send(new CancelJob(other.jobId(), executor), "admin"), "APPLIED");
        assertThat(client.job(other.jobId())).containsEntry("status", "CANCELLED");
    }

    @Test
    void onlyARegisteredActiveAgentGetsALease() {
        UUID unknown = UUID.randomUUID(); // no account in the ledger
        UUID suspended = client.agent("SUSPENDED");
        SubmitJob submit = JobTestClient.job(submitter, 5, 3, Duration.ofSeconds(30));
        awaitOutcome(client.send(submit), "APPLIED");
        awaitOutcome(client.send(new RequestLease(unknown)), "UNKNOWN_AGENT");
        awaitOutcome(client.send(new RequestLease(suspended), suspended.toString()), "AGENT_SUSPENDED");
        assertThat(client.job(submit.jobId())).containsEntry("status", "QUEUED").containsEntry("attempts", 0);
        assertThat(jdbc.queryForObject("select count(*) from job_attempts where job_id = ?", Long.class, submit.jobId()))
                .isZero();

        UUID executor = client.agent();
        awaitOutcome(client.send(new RequestLease(executor), executor.toString()), "APPLIED");
        assertThat(client.job(submit.jobId())).containsEntry("status", "LEASED").containsEntry("lessee", executor);
        awaitOutcome(client.send(new CompleteJob(submit.jobId(), executor, 1, JsonNodeFactory.instance.nullNode())),
                "APPLIED");
    }
}
