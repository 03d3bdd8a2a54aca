package org.agentplatform.bench;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.agentplatform.schema.jobs.CompleteJob;
import org.agentplatform.schema.jobs.JobLeased;
import org.agentplatform.schema.jobs.RequestLease;
import org.agentplatform.schema.jobs.SubmitJob;
import org.agentplatform.schema.ledger.DisputeClaim;
import org.agentplatform.schema.ledger.SubmitClaim;
import org.agentplatform.schema.ledger.TransferKarma;
import org.agentplatform.schema.ledger.VerifyClaim;
import org.agentplatform.schema.messaging.Command;

import tools.jackson.databind.node.JsonNodeFactory;

/**
 * The command mix. Transfers over many accounts with a few hot ones (one transfer in ten touches a hot account),
 * small amounts against large grants so that none is refused for lack of funds. Claims: a submission with a small
 * stake, then the quorum of votes by other agents, all on one side so that each claim settles (verified four times
 * in five, rejected and slashed otherwise). Jobs: a submission (no price, so no escrow), a lease request by one of
 * the executors about a second later (when the job is runnable), and the completion with the lease's fencing
 * token once the executor has seen its {@code JobLeased} event on {@code events.jobs}.
 *
 * <p>Every command comes out of one open-loop slot: the mix decides what a slot carries, never how many slots
 * there are. Called from the generator thread only, except {@link #leased}, which the event consumer calls.
 */
final class Workload {

    static final long GRANT = 1_000_000_000L;
    static final int QUORUM = 3; // the ledger worker's default platform.ledger.claims.quorum
    private static final long LEASE_AFTER_NANOS = Duration.ofSeconds(1).toNanos();

    /** Shares of claim and job commands; transfers take the rest. */
    record Mix(double claims, double jobs) {
        static final Mix TRANSFERS_ONLY = new Mix(0, 0);
    }

    private final List<UUID> accounts;
    private final int hot;
    private final Mix mix;
    private final SplittableRandom random = new SplittableRandom(7);
    private final Deque<OpenClaim> openClaims = new ArrayDeque<>();
    private final Deque<Long> submittedJobs = new ArrayDeque<>(); // nanoTime of each submission not yet leased
    private final Queue<JobLeased> leases = new ConcurrentLinkedQueue<>();
    private final List<UUID> executors = new ArrayList<>();
    private long jobsSubmitted;

    Workload(int accounts, int hot, Mix mix) {
        this.accounts = new ArrayList<>(accounts);
        for (int i = 0; i < accounts; i++) {
            this.accounts.add(UUID.randomUUID());
        }
        this.hot = hot;
        this.mix = mix;
        for (int i = 0; i < 16; i++) {
            executors.add(UUID.randomUUID());
        }
    }

    List<UUID> accounts() {
        return accounts;
    }

    Set<UUID> executors() {
        return Set.copyOf(executors);
    }

    /** The command for the next open-loop slot. */
    Command next() {
        double r = random.nextDouble();
        if (r < mix.claims()) {
            return nextClaimCommand();
        }
        if (r < mix.claims() + mix.jobs()) {
            return nextJobCommand();
        }
        return nextTransfer();
    }

    TransferKarma nextTransfer() {
        return transferFrom(pick());
    }

    TransferKarma transferFrom(UUID debit) {
        UUID credit = pick();
        while (credit.equals(debit)) {
            credit = accounts.get(random.nextInt(accounts.size()));
        }
        return new TransferKarma(debit, credit, 1 + random.nextInt(10));
    }

    private Command nextClaimCommand() {
        OpenClaim open = openClaims.peekFirst();
        if (open == null) {
            UUID claimant = pick();
            OpenClaim claim = new OpenClaim(UUID.randomUUID(), claimant, random.nextInt(5) != 0, new HashSet<>());
            openClaims.addLast(claim);
            return new SubmitClaim(claim.id(), claimant, "bench claim", "statement " + claim.id(), Map.of(), 5);
        }
        UUID verifier = pick();
        while (verifier.equals(open.claimant()) || open.voters().contains(verifier)) {
            verifier = accounts.get(random.nextInt(accounts.size()));
        }
        open.voters().add(verifier);
        if (open.voters().size() == QUORUM) {
            openClaims.removeFirst();
        }
        return open.verify() ? new VerifyClaim(open.id(), verifier) : new DisputeClaim(open.id(), verifier);
    }

    private Command nextJobCommand() {
        JobLeased lease = leases.poll();
        if (lease != null) {
            return new CompleteJob(lease.jobId(), lease.executorId(), lease.fencingToken(),
                    JsonNodeFactory.instance.objectNode().put("ok", true));
        }
        Long oldest = submittedJobs.peekFirst();
        if (oldest != null && System.nanoTime() - oldest >= LEASE_AFTER_NANOS) {
            submittedJobs.removeFirst();
            return new RequestLease(executors.get(random.nextInt(executors.size())));
        }
        submittedJobs.addLast(System.nanoTime());
        long n = jobsSubmitted++;
        // a free job (no price)
        return new SubmitJob(UUID.randomUUID(), pick(), JsonNodeFactory.instance.objectNode().put("task", n), 0,
                3, Duration.ofMinutes(5), null);
    }

    /** An executor saw its lease: the completion goes out in one of the next job slots. */
    void leased(JobLeased lease) {
        leases.add(lease);
    }

    private UUID pick() {
        return random.nextInt(10) == 0 ? accounts.get(random.nextInt(hot)) : accounts.get(random.nextInt(accounts.size()));
    }

    int nextInt(int bound) {
        return random.nextInt(bound);
    }

    private record OpenClaim(UUID id, UUID claimant, boolean verify, Set<UUID> voters) {
    }
}
