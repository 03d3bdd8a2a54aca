package org.agentplatform.schema.jobs;

/**
 * Where the price of a priced job is (NONE for free jobs). RESERVING: the ledger has not answered the
 * reservation yet; HELD: reserved from the submitter; PAYING / REFUNDING: the settlement is under way;
 * PAID, REFUNDED, REJECTED (the submitter could not pay): final. STUCK: the ledger refused a settlement step,
 * which needs an operator (it happens only if the reservation expired in the ledger first).
 */
public enum EscrowStatus {
    NONE, RESERVING, HELD, PAYING, PAID, REFUNDING, REFUNDED, REJECTED, STUCK
}
