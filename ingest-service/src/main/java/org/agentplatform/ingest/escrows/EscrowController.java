package org.agentplatform.ingest.escrows;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.agentplatform.ingest.actor.Actor;
import org.agentplatform.ingest.commands.CommandRequest;
import org.agentplatform.schema.jobs.ResolveEscrow;
import org.agentplatform.schema.messaging.DerivedIds;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * Stuck work, for the admin: the jobs whose escrow is STUCK, listed with why, and resolved by an explicit
 * {@link ResolveEscrow} (RETRY, REFUND or PAY) with a reason, for one job or for every STUCK escrow matching a
 * cause. The job worker decides each resolution by the ledger's record of where the price is; its outcome is at
 * {@code GET /commands/{id}}, and the job's history (audited) keeps it with the reason. Admin only (also enforced
 * for {@code /admin/**} by the security chain).
 */
@RestController
@Validated
class EscrowController {

    private static final Logger log = LoggerFactory.getLogger(EscrowController.class);
    /** How many STUCK escrows a bulk resolution reads at a time; it goes on until none matches. */
    static final int BULK_PAGE = 500;
    /** A cause is compared with stored text, which cannot hold NUL. */
    static final String NO_NUL = "[^\\u0000]*";
    static final String NUL_MESSAGE = "must not contain the NUL character (U+0000)";

    private final StuckEscrows stuck;

    EscrowController(StuckEscrows stuck) {
        this.stuck = stuck;
    }

    /** One page by job id; pass the last {@code jobId} as {@code after} for the next. */
    @GetMapping("/admin/escrows/stuck")
    List<StuckEscrows.StuckEscrow> list(Actor actor,
                                        @RequestParam(required = false) @Nullable @Size(max = 200)
                                        @Pattern(regexp = NO_NUL, message = NUL_MESSAGE) String cause,
                                        @RequestParam(required = false) @Nullable UUID after,
                                        @RequestParam(defaultValue = "50") @Min(1) @Max(500) int limit) {
        actor.requireAdmin("Reading stuck escrows");
        return stuck.page(cause, after, limit);
    }

    @PostMapping(path = "/admin/escrows/{jobId}/resolution", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> resolve(@PathVariable UUID jobId, @Valid @RequestBody Resolution request, CommandRequest command) {
        command.actor().requireAdmin("Resolving an escrow");
        return command.accept(request, id -> new ResolveEscrow(jobId, request.action(), request.reason()));
    }

    /**
     * Every STUCK escrow matching {@code cause} (all of them without one), not a page: one {@link ResolveEscrow}
     * each, with an id derived from this request's, so that a retry with the same {@code Idempotency-Key} after a
     * failure half way sends the same commands again (applied once each). Escrows that stopped being STUCK
     * meanwhile are refused by the job worker (ESCROW_NOT_STUCK), not changed.
     */
    @PostMapping(path = "/admin/escrows/resolutions", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> resolveAll(@Valid @RequestBody BulkResolution request, CommandRequest command) {
        command.actor().requireAdmin("Resolving escrows");
        return command.submit(request, requestId -> {
            List<Resolved> resolved = new ArrayList<>();
            UUID after = null;
            List<StuckEscrows.StuckEscrow> page;
            do {
                page = stuck.page(request.cause(), after, BULK_PAGE);
                for (StuckEscrows.StuckEscrow escrow : page) {
                    UUID commandId = DerivedIds.of("escrow-resolution", requestId, escrow.jobId());
                    command.publish(commandId, new ResolveEscrow(escrow.jobId(), request.action(), request.reason()));
                    resolved.add(new Resolved(escrow.jobId(), commandId));
                }
                after = page.isEmpty() ? after : page.get(page.size() - 1).jobId();
            } while (page.size() == BULK_PAGE);
            log.info("Bulk escrow resolution {} by {}: {} of {} escrows ({})", requestId, command.actor().name(),
                    request.action(), resolved.size(), request.cause() == null ? "every cause" : request.cause());
            return ResponseEntity.accepted().location(URI.create("/admin/escrows/stuck"))
                    .body(new BulkAccepted(requestId, request.action(), resolved.size(), resolved));
        });
    }

    /** @param reason why, kept in the job's history with the admin's name */
    record Resolution(@NotNull ResolveEscrow.Action action, @NotBlank @Size(max = 500) String reason) {
    }

    /** @param cause only escrows stuck for this cause (e.g. NO_OUTCOME, INSUFFICIENT_FUNDS); null: every one */
    record BulkResolution(@NotNull ResolveEscrow.Action action, @NotBlank @Size(max = 500) String reason,
                          @Nullable @Size(max = 200) @Pattern(regexp = NO_NUL, message = NUL_MESSAGE) String cause) {
    }

    record Resolved(UUID jobId, UUID commandId) {
    }

    record BulkAccepted(UUID requestId, ResolveEscrow.Action action, int resolutions, List<Resolved> commands) {
    }
}
