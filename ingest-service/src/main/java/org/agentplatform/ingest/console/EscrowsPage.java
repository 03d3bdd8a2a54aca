package org.agentplatform.ingest.console;

import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import org.agentplatform.ingest.commands.CommandRequest;
import org.agentplatform.ingest.escrows.EscrowResolutions;
import org.agentplatform.ingest.escrows.StuckEscrows;
import org.agentplatform.schema.jobs.ResolveEscrow;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * Stuck work: the jobs whose escrow is STUCK, with why (the step it stopped at, the cause, what the ledger records
 * for that step now), and the admin's resolution of one, or of every STUCK escrow with a cause, through
 * {@link EscrowResolutions}, as {@code POST /admin/escrows/{jobId}/resolution} and {@code /admin/escrows/resolutions}
 * do. Each asks for a reason, which the job's (audited) history keeps.
 */
@Controller
class EscrowsPage {

    private static final int SHOWN = 100;
    private static final List<String> ACTIONS = Arrays.stream(ResolveEscrow.Action.values()).map(Enum::name).toList();

    private final StuckEscrows stuck;
    private final EscrowResolutions resolutions;

    EscrowsPage(StuckEscrows stuck, EscrowResolutions resolutions) {
        this.stuck = stuck;
        this.resolutions = resolutions;
    }

    @GetMapping("/console/escrows")
    String list(@RequestParam(required = false) @Nullable String cause, Model model) {
        String filter = cause(cause);
        List<StuckEscrows.StuckEscrow> shown = stuck.page(filter, null, SHOWN);
        model.addAttribute("cause", filter);
        model.addAttribute("escrows", shown);
        model.addAttribute("shown", SHOWN);
        model.addAttribute("actions", ACTIONS);
        return "console/escrows";
    }

    @PostMapping("/console/escrows/{jobId}/resolution")
    String resolve(@PathVariable String jobId, @RequestParam(required = false) @Nullable String action,
                   @RequestParam(required = false) @Nullable String reason, CommandRequest command,
                   RedirectAttributes redirect) {
        UUID id = InvalidInput.uuid("jobId", jobId);
        ResolveEscrow.Action chosen = action(action);
        String published = Published.commandOf(resolutions.resolve(id, chosen, reason(reason), command));
        redirect.addFlashAttribute("notice", chosen + " of the escrow of job " + id + " requested (" + published
                + "); the job worker decides it: its outcome is in the job's history.");
        return "redirect:/console/escrows";
    }

    /** Every STUCK escrow with the cause (every one without), not only those shown. */
    @PostMapping("/console/escrows/resolution")
    String resolveAll(@RequestParam(required = false) @Nullable String action,
                      @RequestParam(required = false) @Nullable String reason,
                      @RequestParam(required = false) @Nullable String cause, CommandRequest command,
                      RedirectAttributes redirect) {
        ResolveEscrow.Action chosen = action(action);
        String filter = cause(cause);
        Object body = resolutions.resolveAll(chosen, reason(reason), filter, command).getBody();
        int count = body instanceof EscrowResolutions.BulkAccepted accepted ? accepted.resolutions() : 0;
        redirect.addFlashAttribute("notice", chosen + " requested for " + count + " stuck escrow" + (count == 1 ? "" : "s")
                + (filter == null ? "" : " (cause " + filter + ")") + "; the job worker decides each.");
        if (filter != null) {
            redirect.addAttribute("cause", filter); // encoded into the query
        }
        return "redirect:/console/escrows";
    }

    private static ResolveEscrow.Action action(@Nullable String value) {
        String chosen = InvalidInput.oneOf("action", value, ACTIONS); // null when none was given
        if (chosen == null) {
            throw new InvalidInput("action", "is required: one of " + String.join(", ", ACTIONS));
        }
        return ResolveEscrow.Action.valueOf(chosen);
    }

    /** Kept in the job's history: what the command's own limits allow (1 to 500 characters, no NUL). */
    private static String reason(@Nullable String value) {
        String reason = InvalidInput.text("reason", value, 500);
        if (reason == null) {
            throw new InvalidInput("reason", "must have 1 to 500 characters, has 0");
        }
        return reason;
    }

    private static @Nullable String cause(@Nullable String value) {
        return InvalidInput.text("cause", value, 200);
    }
}
