package org.agentplatform.ingest.console;

import java.util.UUID;

import org.agentplatform.ingest.commands.CommandRequest;
import org.agentplatform.schema.ledger.ReactivateAgent;
import org.agentplatform.schema.ledger.SuspendAgent;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * Agents with their status and keys (prefixes only: a key is shown once, at creation, and stored as a hash), and the
 * admin's suspend and reactivate: the same commands, published the same way ({@link CommandRequest}), as
 * {@code POST /agents/{id}/suspension} and {@code /reactivation}.
 */
@Controller
class AgentsPage {

    private static final int SHOWN = 200;

    private final ConsoleQueries queries;

    AgentsPage(ConsoleQueries queries) {
        this.queries = queries;
    }

    @GetMapping("/console/agents")
    String list(Model model) {
        model.addAttribute("agents", queries.agents(SHOWN));
        model.addAttribute("shown", SHOWN);
        return "console/agents";
    }

    @PostMapping("/console/agents/{agentId}/suspension")
    String suspend(@PathVariable String agentId, CommandRequest command, RedirectAttributes redirect) {
        UUID id = InvalidInput.uuid("agentId", agentId);
        return published("Suspension", id, command.accept(commandId -> new SuspendAgent(id)), redirect);
    }

    @PostMapping("/console/agents/{agentId}/reactivation")
    String reactivate(@PathVariable String agentId, CommandRequest command, RedirectAttributes redirect) {
        UUID id = InvalidInput.uuid("agentId", agentId);
        return published("Reactivation", id, command.accept(commandId -> new ReactivateAgent(id)), redirect);
    }

    private static String published(String what, UUID agent, ResponseEntity<?> accepted, RedirectAttributes redirect) {
        redirect.addFlashAttribute("notice", what + " of agent " + agent + " requested (" + Published.commandOf(accepted)
                + "); the ledger worker applies it.");
        return "redirect:/console/agents";
    }
}
