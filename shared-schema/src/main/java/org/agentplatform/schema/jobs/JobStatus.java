package org.agentplatform.schema.jobs;

/**
 * Where a job is. AWAITING_ESCROW: priced, its price not reserved yet; QUEUED jobs are runnable once
 * {@code run_at} passes (delayed retries wait there too); SUCCEEDED, FAILED (not retryable), DEAD (attempts
 * exhausted), CANCELLED and REJECTED (the submitter could not pay) are final.
 */
public enum JobStatus {
    AWAITING_ESCROW, QUEUED, LEASED, SUCCEEDED, FAILED, DEAD, CANCELLED, REJECTED;

    public boolean isFinal() {
        return this != AWAITING_ESCROW && this != QUEUED && this != LEASED;
    }
}
