package org.agentplatform.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.JsonNode;

/**
 * Stuck work over HTTP, with the real ledger and job workers: the admin lists STUCK escrows with why and resolves
 * one or every match; agents may do neither; bad input is a 400 naming the field. The resolution rules themselves
 * (where the price is, RETRY first while an outcome is unknown) are the job worker's, tested there against real
 * failures; here a held price is marked STUCK in the database, as the job worker does when the ledger refuses to
 * settle it, so that the whole HTTP-to-ledger path runs.
 */
class EscrowAdminIntegrationTest extends WithWorkers {

    static final Duration WAIT = Duration.ofSeconds(60);

    Agent alice;

    @BeforeEach
    void submitter() {
        alice = register("alice");
        Answer grant = post("/karma/grants", ADMIN, "{\"accountId\":\"%s\",\"amount\":100}".formatted(alice.id()));
        assertThat(grant.status()).as(grant.text()).isEqualTo(202);
        await().atMost(WAIT).until(() -> balance(alice.id()) == 100);
    }

    @Test
    void theAdminListsAStuckEscrowWithWhyAndRefundsIt() {
        UUID job = stuckJob(30);
        Answer list = get("/admin/escrows/stuck?limit=500", ADMIN);
        assertThat(list.status()).as(list.text()).isEqualTo(200);
        JsonNode listed = find(list.json(), job);
        assertThat(listed).as(list.text()).isNotNull();
        assertThat(listed.get("step").asString()).isEqualTo("RESERVE");
        assertThat(listed.get("ledgerOutcome").asString()).isEqualTo("APPLIED");
        assertThat(listed.get("price").asLong()).isEqualTo(30);

        Answer resolve = post("/admin/escrows/" + job + "/resolution", ADMIN,
                "{\"action\":\"REFUND\",\"reason\":\"the executor never ran it\"}");
        assertThat(resolve.status()).as(resolve.text()).isEqualTo(202);
        awaitOutcome(resolve.commandId(), "APPLIED");
        await().atMost(WAIT).until(() -> "REFUNDED".equals(escrow(job)));
        assertThat(pendingDebits(alice.id())).isZero();
        assertThat(balance(alice.id())).isEqualTo(100);
        assertThat(jdbc.sql("select detail from job_history where job_id = ? and kind = 'ESCROW_RESOLUTION'")
                .param(job).query(String.class).single()).isEqualTo("REFUND (the executor never ran it): voiding the hold");

        // settled: a second resolution is refused by the job worker, and says why
        Answer again = post("/admin/escrows/" + job + "/resolution", ADMIN, "{\"action\":\"PAY\",\"reason\":\"oops\"}");
        awaitOutcome(again.commandId(), "REJECTED");
        assertThat(get("/commands/" + again.commandId(), ADMIN).json().get("reason").asString())
                .isEqualTo("ESCROW_NOT_STUCK");
    }

    @Test
    void aBulkResolutionResolvesEveryMatchNotAPage() {
        List<UUID> jobs = List.of(stuckJob(5), stuckJob(6), stuckJob(7));
        Answer bulk = post("/admin/escrows/resolutions", ADMIN, "{\"action\":\"REFUND\",\"reason\":\"cleanup\"}");
        assertThat(bulk.status()).as(bulk.text()).isEqualTo(202);
        assertThat(bulk.json().get("resolutions").asInt()).isGreaterThanOrEqualTo(3);
        await().atMost(WAIT).until(() -> jobs.stream().allMatch(job -> "REFUNDED".equals(escrow(job))));
        assertThat(pendingDebits(alice.id())).isZero();

        // the same key again: the same answer, no new commands
        String key = "bulk-" + UUID.randomUUID();
        List<UUID> more = List.of(stuckJob(8));
        Answer first = post("/admin/escrows/resolutions", ADMIN, "{\"action\":\"REFUND\",\"reason\":\"again\"}",
                "Idempotency-Key", key);
        Answer retried = post("/admin/escrows/resolutions", ADMIN, "{\"action\":\"REFUND\",\"reason\":\"again\"}",
                "Idempotency-Key", key);
        assertThat(retried.status()).isEqualTo(202);
        assertThat(retried.header("Idempotent-Replayed")).isEqualTo("true");
        assertThat(retried.json()).isEqualTo(first.json());
        await().atMost(WAIT).until(() -> "REFUNDED".equals(escrow(more.get(0))));
    }

    @Test
    void agentsCannotListOrResolveAndBadInputNamesTheField() {
        UUID job = stuckJob(4);
        assertThat(get("/admin/escrows/stuck", alice.key()).status()).isEqualTo(403);
        assertThat(post("/admin/escrows/" + job + "/resolution", alice.key(),
                "{\"action\":\"REFUND\",\"reason\":\"mine\"}").status()).isEqualTo(403);
        assertThat(post("/admin/escrows/resolutions", alice.key(), "{\"action\":\"REFUND\",\"reason\":\"all\"}").status())
                .isEqualTo(403);

        assertInvalid(post("/admin/escrows/" + job + "/resolution", ADMIN, "{\"action\":\"STEAL\",\"reason\":\"x\"}"),
                "action");
        assertInvalid(post("/admin/escrows/" + job + "/resolution", ADMIN, "{\"action\":\"REFUND\",\"reason\":\" \"}"),
                "reason");
        assertInvalid(post("/admin/escrows/" + job + "/resolution", ADMIN,
                "{\"action\":\"REFUND\",\"reason\":\"" + "x".repeat(501) + "\"}"), "reason");
        assertInvalid(post("/admin/escrows/" + job + "/resolution", ADMIN,
                "{\"action\":\"REFUND\",\"reason\":\"nul\\u0000\"}"), "reason");
        assertThat(get("/admin/escrows/stuck?limit=0", ADMIN).status()).isEqualTo(400);
        assertThat(get("/admin/escrows/stuck?cause=NO%00OUTCOME", ADMIN).status()).isEqualTo(400);
        assertInvalid(post("/admin/escrows/resolutions", ADMIN,
                "{\"action\":\"REFUND\",\"reason\":\"r\",\"cause\":\"x\\u0000\"}"), "cause");
        assertThat(escrow(job)).isEqualTo("STUCK");
    }

    /**
     * A priced job of alice's whose price the ledger holds, then marked as the job worker marks an escrow the ledger
     * refused to settle: FAILED, escrow STUCK (its refund never sent).
     */
    private UUID stuckJob(long price) {
        Answer submitted = post("/jobs", alice.key(), "{\"spec\":{\"run\":\"x\"},\"price\":%d}".formatted(price));
        assertThat(submitted.status()).as(submitted.text()).isEqualTo(202);
        UUID job = UUID.fromString(submitted.json().get("jobId").asString());
        await().atMost(WAIT).until(() -> "HELD".equals(escrow(job)));
        assertThat(jdbc.sql("update jobs set status = 'FAILED', escrow_status = 'STUCK' where id = ? and status = 'QUEUED'")
                .param(job).update()).isOne();
        return job;
    }

    private void awaitOutcome(UUID commandId, String status) {
        await().atMost(WAIT).until(() -> status.equals(get("/commands/" + commandId, ADMIN).json().get("status").asString()));
    }

    private static JsonNode find(JsonNode list, UUID job) {
        for (JsonNode escrow : list) {
            if (job.toString().equals(escrow.get("jobId").asString())) {
                return escrow;
            }
        }
        return null;
    }

    private static void assertInvalid(Answer answer, String field) {
        assertThat(answer.status()).as(answer.text()).isEqualTo(400);
        assertThat(answer.text()).contains("\"" + field + "\"");
    }

    private String escrow(UUID job) {
        return jdbc.sql("select escrow_status from jobs where id = ?").param(job).query(String.class).optional().orElse(null);
    }

    private long balance(UUID account) {
        return jdbc.sql("select balance from accounts where id = ?").param(account).query(Long.class).optional().orElse(-1L);
    }

    private long pendingDebits(UUID account) {
        return jdbc.sql("select pending_debits from accounts where id = ?").param(account).query(Long.class).single();
    }
}
