package org.agentplatform.ingest.jobs;

import java.util.Optional;
import java.util.UUID;

import org.agentplatform.ingest.commands.CommandRequest;
import org.agentplatform.schema.jobs.CancelJob;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Component;

/**
 * The admin cancels any job: {@code CancelJob} on behalf of the job's submitter, with the admin as the envelope's
 * actor (the job worker lets the admin cancel whatever it submitted). One path for {@code POST
 * /admin/jobs/{jobId}/cancellation} and the console, so that both publish the same command.
 */
@Component
public class AdminJobCancellation {

    private final JobQueries jobs;

    AdminJobCancellation(JobQueries jobs) {
        this.jobs = jobs;
    }

    /**
     * The 202 answer of the published command, or empty for a job the worker has not recorded (its submitter,
     * whom the command names, is not known).
     */
    public Optional<ResponseEntity<?>> cancel(UUID jobId, CommandRequest command) {
        command.actor().requireAdmin("Cancelling another's job");
        return jobs.submitterOf(jobId).map(submitter -> command.accept(id -> new CancelJob(jobId, submitter)));
    }
}
