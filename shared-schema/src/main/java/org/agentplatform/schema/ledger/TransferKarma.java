package org.agentplatform.schema.ledger;

import java.util.Objects;
import java.util.UUID;

import org.agentplatform.schema.admission.Text;
import org.agentplatform.schema.messaging.Since;

import com.fasterxml.jackson.annotation.JsonInclude;
import org.jspecify.annotations.Nullable;

/**
 * Karma from one account to another. The command id becomes the transfer id. Version 2 adds {@code memo}, a
 * note the payer attaches (stored with the transfer and carried by {@link TransferPosted}); a transfer without
 * one is still written as version 1.
 */
public record TransferKarma(UUID debitAccountId, UUID creditAccountId, long amount,
                            @Since(2) @JsonInclude(JsonInclude.Include.NON_NULL) @Text(min = 1, max = MAX_MEMO) @Nullable String memo)
        implements KarmaCommand {

    /** The longest memo, in characters (the column's check). */
    public static final int MAX_MEMO = 500;

    public TransferKarma {
        Objects.requireNonNull(debitAccountId, "debitAccountId");
        Objects.requireNonNull(creditAccountId, "creditAccountId");
    }

    /** A transfer without a memo (a version-1 transfer). */
    public TransferKarma(UUID debitAccountId, UUID creditAccountId, long amount) {
        this(debitAccountId, creditAccountId, amount, null);
    }

    @Override
    public String partitionKey() {
        return debitAccountId.toString();
    }
}
