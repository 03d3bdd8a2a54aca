package org.agentplatform.schema.ledger;

public enum TransferKind {
    GRANT, TRANSFER, STAKE, REWARD, SLASH, ESCROW, PAYMENT, REFUND
}
