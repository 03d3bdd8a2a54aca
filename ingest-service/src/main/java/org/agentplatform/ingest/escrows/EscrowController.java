package org.agentplatform.ingest.escrows;

import java.util.List;
import java.util.UUID;

import org.agentplatform.ingest.actor.Actor;
import org.agentplatform.ingest.commands.CommandRequest;
import org.agentplatform.schema.jobs.ResolveEscrow;
import org.jspecify.annotations.Nullable;
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

    /** A cause is compared with stored text, which cannot hold NUL. */
    static final String NO_NUL = "[^\\u0000]*";
    static final String NUL_MESSAGE = "must not contain the NUL character (U+0000)";

    private final StuckEscrows stuck;
    private final EscrowResolutions resolutions;

    EscrowController(StuckEscrows stuck, EscrowResolutions resolutions) {
        this.stuck = stuck;
        this.resolutions = resolutions;
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
        return resolutions.resolve(jobId, request.action(), request.reason(), command);
    }

    /** Every STUCK escrow matching {@code cause} (all of them without one): see {@link EscrowResolutions#resolveAll}. */
    @PostMapping(path = "/admin/escrows/resolutions", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> resolveAll(@Valid @RequestBody BulkResolution request, CommandRequest command) {
        return resolutions.resolveAll(request.action(), request.reason(), request.cause(), command);
    }

    /** @param reason why, kept in the job's history with the admin's name */
    record Resolution(@NotNull ResolveEscrow.Action action, @NotBlank @Size(max = 500) String reason) {
    }

    /** @param cause only escrows stuck for this cause (e.g. NO_OUTCOME, INSUFFICIENT_FUNDS); null: every one */
    record BulkResolution(@NotNull ResolveEscrow.Action action, @NotBlank @Size(max = 500) String reason,
                          @Nullable @Size(max = 200) @Pattern(regexp = NO_NUL, message = NUL_MESSAGE) String cause) {
    }
}
