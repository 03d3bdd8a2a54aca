package org.agentplatform.ingest.escrows;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import org.agentplatform.ingest.commands.CommandOutcomes;
import org.agentplatform.runtime.CommandOutcomes.Recorded;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The jobs whose escrow is STUCK, as the job worker last committed them, with why: the saga command it stopped at,
 * the cause the job worker recorded (the ledger's refusal reason, or NO_OUTCOME), and what the ledger has recorded
 * for that command since (a late outcome, or DEAD_LETTERED), which decides which resolution the job worker accepts.
 */
@Component
public class StuckEscrows {

    private final JdbcClient jdbc;
    private final CommandOutcomes outcomes;

    StuckEscrows(JdbcClient jdbc, CommandOutcomes outcomes) {
        this.jdbc = jdbc;
        this.outcomes = outcomes;
    }

    /** Up to {@code limit} by job id after {@code after} (null: from the first), with {@code cause} if given. */
    public List<StuckEscrow> page(@Nullable String cause, @Nullable UUID after, int limit) {
        List<StuckEscrow> page = jdbc.sql("""
                select j.id, j.status, j.submitter_id, j.payee, j.price, j.updated_at, s.id, s.step, s.reason
                from jobs j
                left join lateral (select id, step, reason from job_saga_commands c where c.job_id = j.id
                                   order by c.created_at desc, c.id desc limit 1) s on true
                where j.escrow_status = 'STUCK' and j.id > coalesce(?, '00000000-0000-0000-0000-000000000000'::uuid)
                  and (?::text is null or s.reason = ?)
                order by j.id limit ?""")
                .param(after).param(cause).param(cause).param(limit)
                .query((rs, n) -> new StuckEscrow(rs.getObject(1, UUID.class), rs.getString(2), rs.getObject(3, UUID.class),
                        rs.getObject(4, UUID.class), rs.getLong(5), rs.getObject(6, OffsetDateTime.class).toInstant(),
                        rs.getObject(7, UUID.class), rs.getString(8), rs.getString(9), null, null))
                .list();
        Map<UUID, Recorded> recorded = outcomes.find(page.stream().map(StuckEscrow::commandId).filter(Objects::nonNull)
                .toList());
        return page.stream().map(e -> {
            Recorded now = e.commandId() == null ? null : recorded.get(e.commandId());
            return now == null ? e : e.withLedger(now.status().name(), now.reason());
        }).toList();
    }

    /**
     * A STUCK escrow and why.
     *
     * @param step          the saga step it stopped at, and its command id ({@code GET /commands/{id}})
     * @param cause         what the job worker recorded: the ledger's refusal reason, or NO_OUTCOME
     * @param ledgerOutcome what the ledger records for that command now (null: nothing), and its reason
     */
    public record StuckEscrow(UUID jobId, String jobStatus, UUID submitterId, @Nullable UUID payee, long price,
                              Instant since, @Nullable UUID commandId, @Nullable String step, @Nullable String cause,
                              @Nullable String ledgerOutcome, @Nullable String ledgerReason) {

        StuckEscrow withLedger(String outcome, @Nullable String reason) {
            return new StuckEscrow(jobId, jobStatus, submitterId, payee, price, since, commandId, step, cause, outcome,
                    reason);
        }
    }
}
