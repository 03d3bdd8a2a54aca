package org.agentplatform.schema.ledger;

/**
 * The status of a transfer row. A row never changes: resolving a pending transfer appends a new row
 * (POSTED, VOIDED or EXPIRED) whose {@code pendingId} names the PENDING row.
 */
public enum TransferStatus {
    /** Reserves funds (pending debits and credits); moves no balance. */
    PENDING,
    /** Moves balance: a simple transfer, or the posting of a pending one. */
    POSTED,
    /** Releases a reservation on request. */
    VOIDED,
    /** Releases a reservation whose timeout passed; written by the worker's sweeper. */
    EXPIRED
}
