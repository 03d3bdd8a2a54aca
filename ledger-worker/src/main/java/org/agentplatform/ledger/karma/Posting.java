package org.agentplatform.ledger.karma;

import java.util.UUID;

import org.agentplatform.schema.ledger.TransferKind;

/** The result of asking the ledger to move karma. */
sealed interface Posting {

    record Posted(UUID transferId, UUID debitAccountId, UUID creditAccountId, long amount, TransferKind kind,
                  long debitBalanceBefore, long debitBalanceAfter,
                  long creditBalanceBefore, long creditBalanceAfter) implements Posting {
    }

    record Refused(String reason, String detail) implements Posting {
    }
}
