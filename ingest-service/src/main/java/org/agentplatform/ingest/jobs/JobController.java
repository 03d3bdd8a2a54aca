package org.agentplatform.ingest.jobs;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.agentplatform.ingest.actor.Actor;
import org.agentplatform.ingest.commands.CommandIds;
import org.agentplatform.ingest.commands.CommandRequest;
import org.agentplatform.ingest.jobs.JobQueries.JobView;
import org.agentplatform.ingest.jobs.JobQueries.LeaseView;
import org.agentplatform.ingest.web.Reads;
import org.agentplatform.schema.jobs.CancelJob;
import org.agentplatform.schema.jobs.CompleteJob;
import org.agentplatform.schema.jobs.FailJob;
import org.agentplatform.schema.jobs.Heartbeat;
import org.agentplatform.schema.jobs.RequestLease;
import org.agentplatform.schema.jobs.SubmitJob;
import org.jspecify.annotations.Nullable;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;
import tools.jackson.databind.JsonNode;

/**
 * Compute jobs. Agents submit jobs as themselves and lease, heartbeat, complete and fail them as themselves
 * (the executor is the caller); fencing tokens and lease ownership are the job worker's to check, and a
 * stale token is a recorded rejection at {@code /commands/{id}}.
 */
@RestController
class JobController {

    private final JobQueries jobs;
    private final AdminJobCancellation adminCancellation;

    JobController(JobQueries jobs, AdminJobCancellation adminCancellation) {
        this.jobs = jobs;
        this.adminCancellation = adminCancellation;
    }

    @PostMapping(path = "/jobs", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> submit(@Valid @RequestBody SubmitJobRequest request, CommandRequest command) {
        UUID submitter = agent(command.actor(), "submit a job");
        return command.accept(request, id -> request.command(id, submitter), (id, job) -> new JobAccepted(id, job.jobId()));
    }

    /** Asks for work as the caller; the leased job (if any) shows in {@code GET /jobs/leases}. */
    @PostMapping("/jobs/leases")
    ResponseEntity<?> requestLease(CommandRequest command) {
        UUID executor = agent(command.actor(), "lease a job");
        return command.accept(id -> new RequestLease(executor));
    }

    /** The caller's current leases, with the fencing tokens its heartbeats and completions must carry. */
    @GetMapping("/jobs/leases")
    List<LeaseView> leases(Actor actor) {
        UUID executor = agent(actor, "hold leases");
        return jobs.leasesOf(executor);
    }

    @PostMapping(path = "/jobs/{jobId}/heartbeats", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> heartbeat(@PathVariable UUID jobId, @Valid @RequestBody LeaseRequest request, CommandRequest command) {
        UUID executor = agent(command.actor(), "heartbeat a lease");
        return command.accept(request, id -> new Heartbeat(jobId, executor, request.fencingToken()));
    }

    @PostMapping(path = "/jobs/{jobId}/completion", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> complete(@PathVariable UUID jobId, @Valid @RequestBody CompleteRequest request,
                               CommandRequest command) {
        UUID executor = agent(command.actor(), "complete a job");
        return command.accept(request, id -> new CompleteJob(jobId, executor, request.fencingToken(), request.result()));
    }

    @PostMapping(path = "/jobs/{jobId}/failure", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> fail(@PathVariable UUID jobId, @Valid @RequestBody FailRequest request, CommandRequest command) {
        UUID executor = agent(command.actor(), "fail a job");
        return command.accept(request,
                id -> new FailJob(jobId, executor, request.fencingToken(), request.error(), request.retryable()));
    }

    /**
     * Only the submitter cancels (checked by the publisher when the job is recorded); a job the worker has not
     * recorded yet is left to the worker to judge.
     */
    @PostMapping("/jobs/{jobId}/cancellation")
    ResponseEntity<?> cancel(@PathVariable UUID jobId, CommandRequest command) {
        UUID requester = agent(command.actor(), "cancel a job");
        return command.accept(id -> new CancelJob(jobId, requester));
    }

    /** The admin cancels any recorded job (admin only, also by the security chain); 404 for an unknown one. */
    @PostMapping("/admin/jobs/{jobId}/cancellation")
    ResponseEntity<?> cancelAsAdmin(@PathVariable UUID jobId, CommandRequest command) {
        return adminCancellation.cancel(jobId, command)
                .orElseGet(() -> Reads.notFound("No job " + jobId + " (a submission may still be pending)"));
    }

    /** Any authenticated caller: how an executor's work went is public standing, as its reputation is. */
    @GetMapping("/agents/{agentId}/job-statistics")
    JobQueries.ExecutorStatistics statistics(@PathVariable UUID agentId, Actor actor) {
        return jobs.statisticsOf(agentId);
    }

    /**
     * To its submitter, its current executor and the admin. To anyone else it is a 404, like a job that does not
     * exist: a job's spec and result are its parties' business, and so is whether it exists.
     */
    @GetMapping("/jobs/{jobId}")
    ResponseEntity<?> job(@PathVariable UUID jobId, Actor actor) {
        Optional<JobView> visible = jobs.find(jobId)
                .filter(job -> actor.isAdmin() || actor.isAgent(job.submitterId()) || actor.isAgent(job.lessee()));
        return Reads.found(visible, "No job " + jobId + " of yours (a submission may still be pending)");
    }

    private static UUID agent(Actor actor, String what) {
        if (actor.agentId() == null) {
            throw Actor.forbidden("Only an agent can " + what + " (the admin is not an agent)");
        }
        return actor.agentId();
    }

    /** Defaults: priority 0, 3 attempts, a 30 s lease; {@code price} (karma, through escrow) is optional. */
    record SubmitJobRequest(@Nullable UUID jobId, @NotNull JsonNode spec, @Nullable Integer priority,
                            @Nullable @Min(1) @Max(100) Integer maxAttempts, @Nullable Duration leaseTimeout,
                            @Nullable @Positive Long price) {

        @AssertTrue(message = "must be a positive duration of at most a day, e.g. PT30S")
        boolean isLeaseTimeout() {
            return leaseTimeout == null
                    || (!leaseTimeout.isNegative() && !leaseTimeout.isZero() && leaseTimeout.compareTo(Duration.ofDays(1)) <= 0);
        }

        /** Without a {@code jobId}, one derived from the command id: a retry under the same key names the same job. */
        SubmitJob command(UUID commandId, UUID submitter) {
            return new SubmitJob(jobId != null ? jobId : CommandIds.derived(commandId, "job"), submitter, spec,
                    priority == null ? 0 : priority, maxAttempts == null ? 3 : maxAttempts,
                    leaseTimeout == null ? Duration.ofSeconds(30) : leaseTimeout, price);
        }
    }

    record LeaseRequest(@NotNull @PositiveOrZero Long fencingToken) {
    }

    record CompleteRequest(@NotNull @PositiveOrZero Long fencingToken, @NotNull JsonNode result) {
    }

    record FailRequest(@NotNull @PositiveOrZero Long fencingToken, @NotBlank @Size(max = 10_000) String error,
                       boolean retryable) {
    }

    record JobAccepted(UUID commandId, UUID jobId) {
    }
}
