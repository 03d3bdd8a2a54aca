package org.agentplatform.schema.ledger;

import java.util.Set;
import java.util.UUID;

import org.agentplatform.schema.jobs.JobEscrow;

/** Well-known accounts. An agent's account has the agent's id. */
public final class Accounts {

    /** The system account that grants karma; the only kind of account that may go negative. */
    public static final UUID TREASURY = UUID.fromString("00000000-0000-0000-0000-000000000001");

    /** Accounts that belong to the system: no API key is ever issued for them and no agent moves them. */
    private static final Set<UUID> SYSTEM = Set.of(TREASURY, JobEscrow.ACCOUNT);

    private Accounts() {
    }

    public static boolean isSystem(UUID accountId) {
        return SYSTEM.contains(accountId);
    }
}
