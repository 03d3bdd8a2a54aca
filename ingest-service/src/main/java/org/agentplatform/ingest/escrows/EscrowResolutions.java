package org.agentplatform.ingest.escrows;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.agentplatform.ingest.commands.CommandRequest;
import org.agentplatform.schema.jobs.ResolveEscrow;
import org.agentplatform.schema.messaging.DerivedIds;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

/**
 * The admin's resolutions of STUCK escrows, for the REST API and the console alike: one {@link ResolveEscrow}
 * for a job, or one for every STUCK escrow matching a cause. The job worker decides each by the ledger's record of
 * where the price is; its outcome is at {@code GET /commands/{id}}, and the job's history (audited) keeps it with
 * the reason.
 */
@Component
public class EscrowResolutions {

    private static final Logger log = LoggerFactory.getLogger(EscrowResolutions.class);
    /** How many STUCK escrows a bulk resolution reads at a time; it goes on until none matches. */
    static final int BULK_PAGE = 500;

    private final StuckEscrows stuck;

    EscrowResolutions(StuckEscrows stuck) {
        this.stuck = stuck;
    }

    /** Publishes the resolution of one job's escrow under the request's key; 202 with the command id. */
    public ResponseEntity<?> resolve(UUID jobId, ResolveEscrow.Action action, String reason, CommandRequest command) {
        command.actor().requireAdmin("Resolving an escrow");
        return command.accept(new Resolution(action, reason), id -> new ResolveEscrow(jobId, action, reason));
    }

    /**
     * Every STUCK escrow matching {@code cause} (all of them when null), not a page: one {@link ResolveEscrow} each,
     * with an id derived from this request's, so that a retry with the same {@code Idempotency-Key} after a failure
     * half way sends the same commands again (applied once each). Escrows that stopped being STUCK meanwhile are
     * refused by the job worker (ESCROW_NOT_STUCK), not changed.
     */
    public ResponseEntity<?> resolveAll(ResolveEscrow.Action action, String reason, @Nullable String cause,
                                        CommandRequest command) {
        command.actor().requireAdmin("Resolving escrows");
        return command.submit(new BulkResolution(action, reason, cause), requestId -> {
            List<Resolved> resolved = new ArrayList<>();
            UUID after = null;
            List<StuckEscrows.StuckEscrow> page;
            do {
                page = stuck.page(cause, after, BULK_PAGE);
                for (StuckEscrows.StuckEscrow escrow : page) {
                    UUID commandId = DerivedIds.of("escrow-resolution", requestId, escrow.jobId());
                    command.publish(commandId, new ResolveEscrow(escrow.jobId(), action, reason));
                    resolved.add(new Resolved(escrow.jobId(), commandId));
                }
                after = page.isEmpty() ? after : page.get(page.size() - 1).jobId();
            } while (page.size() == BULK_PAGE);
            log.info("Bulk escrow resolution {} by {}: {} of {} escrows ({})", requestId, command.actor().name(), action,
                    resolved.size(), cause == null ? "every cause" : cause);
            return ResponseEntity.accepted().body(new BulkAccepted(requestId, action, resolved.size(), resolved));
        });
    }

    /** What a resolution's key is fingerprinted with. */
    record Resolution(ResolveEscrow.Action action, String reason) {
    }

    record BulkResolution(ResolveEscrow.Action action, String reason, @Nullable String cause) {
    }

    public record Resolved(UUID jobId, UUID commandId) {
    }

    public record BulkAccepted(UUID requestId, ResolveEscrow.Action action, int resolutions, List<Resolved> commands) {
    }
}
