package org.agentplatform.ingest.console;

import java.util.List;
import java.util.UUID;

import org.agentplatform.ingest.commands.CommandRequest;
import org.agentplatform.ingest.jobs.AdminJobCancellation;
import org.agentplatform.ingest.jobs.JobQueries;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

import jakarta.servlet.http.HttpServletResponse;

/**
 * Jobs: by state, one job with its attempts (one per lease and fencing token) and history, the admin's cancel of one
 * job, and a bulk cancel of every job in a state. Cancels go through {@link AdminJobCancellation}, as
 * {@code POST /admin/jobs/{jobId}/cancellation} does.
 */
@Controller
class JobsPage {

    private static final Logger log = LoggerFactory.getLogger(JobsPage.class);
    private static final int SHOWN = 100;

    private final ConsoleQueries queries;
    private final JobQueries jobs;
    private final AdminJobCancellation cancellation;
    private final ConsoleProperties properties;

    JobsPage(ConsoleQueries queries, JobQueries jobs, AdminJobCancellation cancellation, ConsoleProperties properties) {
        this.queries = queries;
        this.jobs = jobs;
        this.cancellation = cancellation;
        this.properties = properties;
    }

    @GetMapping("/console/jobs")
    String list(@RequestParam(required = false) @Nullable String state, Model model) {
        String filter = InvalidInput.oneOf("state", state, ConsoleQueries.JOB_STATES);
        model.addAttribute("state", filter);
        model.addAttribute("states", ConsoleQueries.JOB_STATES);
        model.addAttribute("counts", queries.jobCounts());
        model.addAttribute("jobs", queries.jobs(filter, SHOWN));
        model.addAttribute("shown", SHOWN);
        model.addAttribute("cancellable", filter == null || ConsoleQueries.CANCELLABLE.contains(filter));
        return "console/jobs";
    }

    @GetMapping("/console/jobs/{jobId}")
    String job(@PathVariable String jobId, Model model, HttpServletResponse response) {
        UUID id = InvalidInput.uuid("jobId", jobId);
        JobQueries.JobView job = jobs.find(id).orElse(null);
        if (job == null) {
            response.setStatus(404);
            model.addAttribute("status", 404);
            model.addAttribute("title", "No such job");
            model.addAttribute("detail", "No job " + id + " (a submission may still be pending)");
            return "console/error";
        }
        model.addAttribute("job", job);
        model.addAttribute("attempts", queries.attempts(id));
        model.addAttribute("history", queries.history(id));
        model.addAttribute("cancellable", ConsoleQueries.CANCELLABLE.contains(job.status()));
        return "console/job";
    }

    @PostMapping("/console/jobs/{jobId}/cancellation")
    String cancel(@PathVariable String jobId, CommandRequest command, RedirectAttributes redirect) {
        UUID id = InvalidInput.uuid("jobId", jobId);
        redirect.addFlashAttribute("notice", cancellation.cancel(id, command)
                .map(accepted -> "Cancellation of job " + id + " requested (" + Published.commandOf(accepted)
                        + "); the job worker applies it.")
                .orElse("No job " + id + ": nothing to cancel."));
        return "redirect:/console/jobs/" + id;
    }

    /**
     * Every job in the state, not a page of them: the matches are read by id in pages of {@code bulk-page-size} and
     * one CancelJob is published per job. A job that changed state in between is the worker's to judge (a cancel of a
     * finished job is a recorded rejection).
     */
    @PostMapping("/console/jobs/cancellation")
    String cancelMatching(@RequestParam(required = false) @Nullable String state, CommandRequest command,
                          RedirectAttributes redirect) {
        String filter = InvalidInput.oneOf("state", state, ConsoleQueries.JOB_STATES);
        if (filter != null && !ConsoleQueries.CANCELLABLE.contains(filter)) {
            throw new InvalidInput("state", filter + " jobs are finished: only " + String.join(", ",
                    ConsoleQueries.CANCELLABLE) + " jobs can be cancelled");
        }
        List<String> states = filter == null ? ConsoleQueries.CANCELLABLE : List.of(filter);
        long published = 0;
        UUID after = null;
        List<UUID> page;
        do {
            page = queries.jobIdsAfter(states, after, properties.bulkPageSize());
            for (UUID id : page) {
                if (cancellation.cancel(id, command).isPresent()) {
                    published++;
                }
            }
            after = page.isEmpty() ? after : page.get(page.size() - 1);
        } while (page.size() == properties.bulkPageSize());
        log.info("Bulk cancel by {} of {} jobs: {} cancellations published", command.actor().name(), states, published);
        redirect.addFlashAttribute("notice", "Cancellation requested for " + published + " job" + (published == 1 ? "" : "s")
                + " (" + String.join(", ", states) + ").");
        return filter == null ? "redirect:/console/jobs" : "redirect:/console/jobs?state=" + filter;
    }
}
