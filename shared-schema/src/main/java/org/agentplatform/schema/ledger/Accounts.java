package org.agentplatform.schema.ledger;

import java.util.UUID;

/** Well-known accounts. An agent's account has the agent's id. */
public final class Accounts {

    /** The system account that grants karma; the only kind of account that may go negative. */
    public static final UUID TREASURY = UUID.fromString("00000000-0000-0000-0000-000000000001");

    private Accounts() {
    }
}
