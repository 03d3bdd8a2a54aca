package org.agentplatform.ingest.console;

import java.util.List;

import org.agentplatform.ingest.actor.Actor;
import org.agentplatform.ingest.deadletters.DeadLetter;
import org.agentplatform.ingest.deadletters.DeadLetterFilter;
import org.agentplatform.ingest.deadletters.DeadLetterLog;
import org.agentplatform.ingest.deadletters.ReplayRequests;
import org.agentplatform.ingest.web.FieldProblems.FieldError;
import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;
import org.springframework.web.util.UriUtils;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Dead letters: the topics, the records of one (by reason), one record decoded, and replays of one record or of
 * every match, asked for through {@link ReplayRequests} as the REST API asks (recorded, audited, run in the
 * background), with the replay requests and their status.
 */
@Controller
class DeadLettersPage {

    private static final int SHOWN = 100;
    private static final int REPLAYS_SHOWN = 20;

    private final DeadLetterLog deadLetters;
    private final ReplayRequests replays;

    DeadLettersPage(DeadLetterLog deadLetters, ReplayRequests replays) {
        this.deadLetters = deadLetters;
        this.replays = replays;
    }

    @GetMapping("/console/dead-letters")
    String list(@RequestParam(required = false) @Nullable String topic, @RequestParam(required = false) @Nullable String reason,
                Model model) {
        String chosen = topic == null || topic.isBlank() ? null : topic.strip();
        String because = reason == null || reason.isBlank() ? null : reason.strip();
        if (chosen != null && !deadLetters.exists(chosen)) {
            throw new InvalidInput("topic", "not a dead-letter topic of this system: \"" + InvalidInput.shown(chosen) + "\"");
        }
        DeadLetterFilter filter = DeadLetterFilter.of(null, null, because);
        refuseIfInvalid(filter.problems());
        model.addAttribute("topics", deadLetters.topics());
        model.addAttribute("topic", chosen);
        model.addAttribute("reason", because);
        if (chosen != null) {
            model.addAttribute("listing", deadLetters.list(chosen, filter, SHOWN));
        }
        model.addAttribute("replays", replays.recent(REPLAYS_SHOWN));
        return "console/dead-letters";
    }

    @GetMapping("/console/dead-letters/{topic}/{partition}/{offset}")
    String show(@PathVariable String topic, @PathVariable String partition, @PathVariable String offset, Model model,
                HttpServletResponse response) {
        int p = InvalidInput.partition("partition", partition);
        long o = InvalidInput.nonNegative("offset", offset);
        DeadLetter letter = deadLetters.find(topic, p, o).orElse(null);
        if (letter == null) {
            response.setStatus(404);
            model.addAttribute("status", 404);
            model.addAttribute("title", "No such dead letter");
            model.addAttribute("detail", "No dead letter " + DeadLetter.id(topic, p, o));
            return "console/error";
        }
        model.addAttribute("letter", letter);
        return "console/dead-letter";
    }

    /** One record ({@code partition} and {@code offset}) or every record of the topic matching {@code reason}. */
    @PostMapping("/console/dead-letters/replays")
    String replay(@RequestParam String topic, @RequestParam(required = false) @Nullable String reason,
                  @RequestParam(required = false) @Nullable String partition,
                  @RequestParam(required = false) @Nullable String offset, HttpServletRequest request,
                  RedirectAttributes redirect) {
        boolean one = partition != null && !partition.isBlank() || offset != null && !offset.isBlank();
        String because = reason == null || reason.isBlank() ? null : reason.strip();
        DeadLetterFilter filter;
        String which;
        if (one) {
            int recordPartition = InvalidInput.partition("partition", partition);
            long recordOffset = InvalidInput.nonNegative("offset", offset);
            filter = new DeadLetterFilter(null, null, null, recordPartition, recordOffset);
            which = " (" + DeadLetter.id(topic, recordPartition, recordOffset) + ")";
        } else {
            filter = DeadLetterFilter.of(null, null, because);
            which = because == null ? " (every record)" : " (reason contains \"" + because + "\")";
        }
        ReplayRequests.Outcome outcome = replays.request(Actor.authenticated(request).name(), topic.strip(), filter, null);
        if (outcome instanceof ReplayRequests.Outcome.Refused refused) {
            refuseIfInvalid(refused.errors());
        }
        var created = ((ReplayRequests.Outcome.Created) outcome).replay();
        redirect.addFlashAttribute("notice", "Replay " + created.id() + " of " + created.topic() + " requested"
                + which + "; it runs in the background.");
        return "redirect:/console/dead-letters?topic=" + UriUtils.encodeQueryParam(created.topic(), "UTF-8");
    }

    private static void refuseIfInvalid(List<FieldError> errors) {
        if (!errors.isEmpty()) {
            throw new InvalidInput(errors.get(0).field(), errors.get(0).detail());
        }
    }
}
