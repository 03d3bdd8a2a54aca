package org.agentplatform.schema.ledger;

import java.util.UUID;

import org.agentplatform.schema.admission.Text;
import org.agentplatform.schema.messaging.Since;
import org.agentplatform.schema.messaging.Topics;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

/**
 * A posted transfer with the balances it left behind; keyed by the debited account. {@code memo} (the
 * transfer's, if its payer gave one) joined version 1 as an optional field: consumers ignore fields they do not
 * know, and an event without a memo is byte for byte what it was before.
 */
public record TransferPosted(UUID transferId, UUID debitAccountId, UUID creditAccountId, long amount,
                             TransferKind kind, long debitBalanceAfter, long creditBalanceAfter,
                             @Since(1) @JsonInclude(JsonInclude.Include.NON_NULL)
                             @Text(min = 1, max = TransferKarma.MAX_MEMO) @Nullable String memo) implements LedgerEvent {

    /** A posting without a memo. */
    public TransferPosted(UUID transferId, UUID debitAccountId, UUID creditAccountId, long amount, TransferKind kind,
                          long debitBalanceAfter, long creditBalanceAfter) {
        this(transferId, debitAccountId, creditAccountId, amount, kind, debitBalanceAfter, creditBalanceAfter, null);
    }

    @Override
    public String aggregateType() {
        return Topics.AGGREGATE_KARMA;
    }

    @Override
    public String aggregateId() {
        return debitAccountId.toString();
    }
}
