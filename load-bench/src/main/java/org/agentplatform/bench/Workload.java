package org.agentplatform.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;

import org.agentplatform.schema.ledger.TransferKarma;

/**
 * The accounts and the transfer mix: many accounts, a few hot ones (one transfer in five touches a hot account,
 * as credit or debit), small amounts against large grants so that no transfer is refused for lack of funds.
 * The first {@code httpAgents} accounts also send over HTTP, each with its own API key.
 */
final class Workload {

    static final long GRANT = 1_000_000_000L;

    private final List<UUID> accounts;
    private final int hot;
    private final SplittableRandom random = new SplittableRandom(7);

    Workload(int accounts, int hot) {
        this.accounts = new ArrayList<>(accounts);
        for (int i = 0; i < accounts; i++) {
            this.accounts.add(UUID.randomUUID());
        }
        this.hot = hot;
    }

    List<UUID> accounts() {
        return accounts;
    }

    /** Called from the one generator thread only. */
    TransferKarma nextTransfer() {
        return transferFrom(pick());
    }

    TransferKarma transferFrom(UUID debit) {
        UUID credit = pick();
        while (credit.equals(debit)) {
            credit = accounts.get(random.nextInt(accounts.size()));
        }
        return new TransferKarma(debit, credit, 1 + random.nextInt(10));
    }

    private UUID pick() {
        return random.nextInt(10) == 0 ? accounts.get(random.nextInt(hot)) : accounts.get(random.nextInt(accounts.size()));
    }

    int nextInt(int bound) {
        return random.nextInt(bound);
    }
}
