package org.agentplatform.ledger.karma;

import java.util.List;
import java.util.TreeSet;
import java.util.UUID;

import org.agentplatform.schema.ledger.Accounts;
import org.agentplatform.schema.ledger.DisputeClaim;
import org.agentplatform.schema.ledger.GrantKarma;
import org.agentplatform.schema.ledger.LedgerCommand;
import org.agentplatform.schema.ledger.PostPending;
import org.agentplatform.schema.ledger.ReactivateAgent;
import org.agentplatform.schema.ledger.RegisterAgent;
import org.agentplatform.schema.ledger.ReserveKarma;
import org.agentplatform.schema.ledger.SubmitClaim;
import org.agentplatform.schema.ledger.SuspendAgent;
import org.agentplatform.schema.ledger.TransferBatch;
import org.agentplatform.schema.ledger.TransferKarma;
import org.agentplatform.schema.ledger.VerifyClaim;
import org.agentplatform.schema.ledger.VoidPending;
import org.agentplatform.schema.messaging.Envelope;

/**
 * What a batch of ledger commands names, read in one pass: the claims, pending transfers and accounts it touches,
 * each sorted so that every transaction locks them in the same order, and the reservations it makes (their ids
 * are the command ids, not in the table yet). The one place that knows which ids a ledger command names: a command
 * it does not know is an error, never a batch applied without its locks.
 */
record BatchLocks(TreeSet<UUID> claims, TreeSet<UUID> pendings, TreeSet<UUID> accounts, TreeSet<UUID> reservations) {

    static BatchLocks of(List<Envelope<LedgerCommand>> commands) {
        BatchLocks locks = new BatchLocks(new TreeSet<>(), new TreeSet<>(), new TreeSet<>(), new TreeSet<>());
        commands.forEach(locks::add);
        return locks;
    }

    private void add(Envelope<LedgerCommand> envelope) {
        LedgerCommand command = envelope.payload();
        if (command instanceof RegisterAgent c) {
            accounts.add(c.agentId());
        } else if (command instanceof SuspendAgent c) {
            accounts.add(c.agentId());
        } else if (command instanceof ReactivateAgent c) {
            accounts.add(c.agentId());
        } else if (command instanceof GrantKarma c) {
            accounts.add(Accounts.TREASURY);
            accounts.add(c.accountId());
        } else if (command instanceof TransferKarma c) {
            accounts.add(c.debitAccountId());
            accounts.add(c.creditAccountId());
        } else if (command instanceof TransferBatch c) {
            c.transfers().forEach(l -> {
                accounts.add(l.debitAccountId());
                accounts.add(l.creditAccountId());
            });
        } else if (command instanceof ReserveKarma c) {
            accounts.add(c.debitAccountId());
            accounts.add(c.creditAccountId());
            reservations.add(envelope.id());
        } else if (command instanceof PostPending c) {
            pendings.add(c.pendingId());
        } else if (command instanceof VoidPending c) {
            pendings.add(c.pendingId());
        } else if (command instanceof SubmitClaim c) {
            claims.add(c.claimId());
            accounts.add(c.claimantId());
            accounts.add(Accounts.TREASURY);
        } else if (command instanceof VerifyClaim c) {
            claims.add(c.claimId());
            accounts.add(c.verifierId());
            accounts.add(Accounts.TREASURY);
        } else if (command instanceof DisputeClaim c) {
            claims.add(c.claimId());
            accounts.add(c.verifierId());
            accounts.add(Accounts.TREASURY);
        } else {
            throw new IllegalArgumentException("No lock set for ledger command " + command.getClass().getName());
        }
    }
}
