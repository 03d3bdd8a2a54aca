package org.agentplatform.schema.ledger;

public enum ClaimStatus {
    OPEN, VERIFIED, REJECTED
}
