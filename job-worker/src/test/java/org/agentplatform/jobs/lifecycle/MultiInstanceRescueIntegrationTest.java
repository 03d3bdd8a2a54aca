package org.agentplatform.jobs.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.agentplatform.jobs.JobWorkerApplication;
import org.agentplatform.schema.jobs.RequestLease;
import org.agentplatform.schema.jobs.SubmitJob;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.context.TestPropertySource;

/**
 * Two job-worker instances share the command topic and both run their rescuers every 20 ms over the same
 * jobs. Executors take leases and never finish, so every lease expires: each must be rescued exactly once,
 * retries must wait longer each time, and every job must end DEAD after its last attempt.
 */
@TestPropertySource(properties = {"platform.consumer.delete-outbox-rows=false", "platform.jobs.backoff-base=100ms",
        "platform.jobs.rescue-interval=20ms"})
class MultiInstanceRescueIntegrationTest extends AbstractJobWorkerIntegrationTest {

    static final int JOBS = 30;
    static final int MAX_ATTEMPTS = 3;

    static ConfigurableApplicationContext second;

    @BeforeAll
    static void startSecondInstance(TestInfo test) {
        second = JobWorkerApplication.application().run(environment(test).commandLineArgs("--server.port=0",
                "--platform.consumer.delete-outbox-rows=false", "--platform.jobs.backoff-base=100ms",
                "--platform.jobs.rescue-interval=20ms"));
    }

    @AfterAll
    static void stopSecondInstance() {
        if (second != null) {
            second.close();
        }
    }

    @Test
    void everyExpiredLeaseIsRescuedOnceWithGrowingBackoffUntilTheJobIsDead() {
        UUID submitter = UUID.randomUUID();
        List<UUID> jobs = new ArrayList<>();
        ScheduledExecutorService executors = Executors.newSingleThreadScheduledExecutor();
        try (JobTestClient client = new JobTestClient(env, jdbc)) {
            for (int i = 0; i < JOBS; i++) {
                SubmitJob submit = JobTestClient.job(submitter, i % 3, MAX_ATTEMPTS, Duration.ofMillis(300));
                jobs.add(submit.jobId());
                client.sendAsync(submit);
            }
            client.flush();
            // executors that ask for work and then stall: 5 requests every 50 ms, from 8 executors
            List<UUID> executorIds = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                executorIds.add(client.agent());
            }
            int[] next = {0};
            executors.scheduleWithFixedDelay(() -> {
                for (int i = 0; i < 5; i++) {
                    client.sendAsync(new RequestLease(executorIds.get(next[0]++ % executorIds.size())));
                }
                client.flush();
            }, 0, 50, TimeUnit.MILLISECONDS);

            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> assertThat(
                    jdbc.queryForObject("select count(*) from jobs where status = 'DEAD'", Long.class)).isEqualTo(JOBS));
        } finally {
            executors.shutdownNow();
        }

        // every lease ended once, by expiry, and was rescued once
        assertThat(jdbc.queryForObject("select count(*) from job_attempts where outcome = 'EXPIRED'", Long.class))
                .isEqualTo((long) JOBS * MAX_ATTEMPTS);
        assertThat(jdbc.queryForObject("select count(*) from job_attempts", Long.class)).isEqualTo((long) JOBS * MAX_ATTEMPTS);
        assertThat(jdbc.queryForList("""
                select job_id, fencing_token, count(*) from job_history where kind in ('RESCUED', 'RESCUED_DEAD')
                group by job_id, fencing_token having count(*) <> 1""")).isEmpty();
        assertThat(jdbc.queryForObject("select count(*) from job_history where kind in ('RESCUED', 'RESCUED_DEAD')",
                Long.class)).isEqualTo((long) JOBS * MAX_ATTEMPTS);
        assertThat(jdbc.queryForObject("select count(*) from job_history where kind = 'RESCUED_DEAD'", Long.class))
                .isEqualTo(JOBS);
        assertThat(jdbc.queryForObject("select count(distinct id) from outbox where event_type = 'JobLeaseExpired'",
                Long.class)).isEqualTo((long) JOBS * MAX_ATTEMPTS);
        assertThat(jdbc.queryForObject("select count(*) from outbox where event_type = 'JobLeased'", Long.class))
                .isEqualTo((long) JOBS * MAX_ATTEMPTS);
        assertThat(jdbc.queryForObject("select count(*) from jobs where attempts <> ? or fencing_token <> ?", Long.class,
                MAX_ATTEMPTS, MAX_ATTEMPTS)).isZero();

        // backoff: the second retry of every job waited longer than its first (100-125 ms, then 200-250 ms)
        for (UUID job : jobs) {
            List<Map<String, Object>> delays = jdbc.queryForList("""
                    select attempt, (extract(epoch from run_at - at) * 1000)::bigint as delay_ms from job_history
                    where job_id = ? and kind = 'RESCUED' order by attempt""", job);
            assertThat(delays).hasSize(MAX_ATTEMPTS - 1);
            long first = (Long) delays.get(0).get("delay_ms");
            long secondDelay = (Long) delays.get(1).get("delay_ms");
            assertThat(first).isBetween(100L, 125L);
            assertThat(secondDelay).isBetween(200L, 250L);
        }
    }
}
