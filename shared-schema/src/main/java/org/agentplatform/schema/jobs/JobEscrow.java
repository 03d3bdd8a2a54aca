package org.agentplatform.schema.jobs;

import java.util.UUID;

/**
 * The ledger account that holds the price of priced jobs between the submitter's reservation and the
 * payment to the executor (or the refund). A system account that may not go negative: it only ever holds
 * what reservations moved into it. Created by the job migration.
 */
public final class JobEscrow {

    public static final UUID ACCOUNT = UUID.fromString("00000000-0000-0000-0000-00000000e5c0");

    private JobEscrow() {
    }
}
