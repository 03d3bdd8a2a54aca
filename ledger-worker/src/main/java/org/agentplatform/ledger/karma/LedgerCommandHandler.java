package org.agentplatform.ledger.karma;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;

import org.agentplatform.runtime.CommandHandler;
import org.agentplatform.runtime.Outcome;
import org.agentplatform.schema.ledger.AgentRegistered;
import org.agentplatform.schema.ledger.Accounts;
import org.agentplatform.schema.ledger.GrantKarma;
import org.agentplatform.schema.ledger.LedgerCommand;
import org.agentplatform.schema.ledger.RegisterAgent;
import org.agentplatform.schema.ledger.TransferKarma;
import org.agentplatform.schema.ledger.TransferKind;
import org.agentplatform.schema.ledger.TransferPosted;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.Topics;
import org.springframework.stereotype.Component;

/**
 * Applies a batch of ledger commands: locks every account the batch names (in id order), runs the
 * commands through the {@link Ledger} in order, then writes all changes with one statement per kind.
 */
@Component
class LedgerCommandHandler implements CommandHandler<LedgerCommand> {

    private final LedgerRepository repository;
    private final Clock clock;

    LedgerCommandHandler(LedgerRepository repository, Clock clock) {
        this.repository = repository;
        this.clock = clock;
    }

    @Override
    public Class<LedgerCommand> family() {
        return LedgerCommand.class;
    }

    @Override
    public List<Outcome> handle(List<Envelope<LedgerCommand>> commands) {
        Instant now = clock.instant();
        Ledger ledger = new Ledger(repository.lock(accountsNamedBy(commands)));
        List<Outcome> outcomes = new ArrayList<>(commands.size());
        List<LedgerRepository.NewAgent> agents = new ArrayList<>();
        List<Posting.Posted> transfers = new ArrayList<>();

        for (Envelope<LedgerCommand> envelope : commands) {
            LedgerCommand command = envelope.payload();
            if (command instanceof RegisterAgent register) {
                outcomes.add(ledger.open(register.agentId())
                        .map(refused -> refused(refused, Topics.AGGREGATE_AGENT, register.agentId()))
                        .orElseGet(() -> {
                            agents.add(new LedgerRepository.NewAgent(register.agentId(), register.name()));
                            return Outcome.applied(new AgentRegistered(register.agentId(), register.name()));
                        }));
            } else if (command instanceof GrantKarma grant) {
                outcomes.add(post(ledger, transfers, envelope.id(), Accounts.TREASURY, grant.accountId(),
                        grant.amount(), TransferKind.GRANT));
            } else if (command instanceof TransferKarma transfer) {
                outcomes.add(post(ledger, transfers, envelope.id(), transfer.debitAccountId(),
                        transfer.creditAccountId(), transfer.amount(), TransferKind.TRANSFER));
            } else {
                throw new IllegalArgumentException("Unhandled ledger command " + command.getClass().getName());
            }
        }

        // Agents before accounts (foreign key), accounts before transfers.
        repository.insertAgents(agents, now);
        repository.insertAccounts(ledger.opened(), now);
        repository.updateBalances(ledger.changedExisting(), now);
        repository.insertTransfers(transfers, now);
        return outcomes;
    }

    private static Outcome post(Ledger ledger, List<Posting.Posted> transfers, UUID transferId, UUID debit, UUID credit,
                                long amount, TransferKind kind) {
        Posting posting = ledger.post(transferId, debit, credit, amount, kind);
        if (posting instanceof Posting.Posted posted) {
            transfers.add(posted);
            return Outcome.applied(new TransferPosted(posted.transferId(), debit, credit, amount, kind,
                    posted.debitBalanceAfter(), posted.creditBalanceAfter()));
        }
        return refused((Posting.Refused) posting, Topics.AGGREGATE_KARMA, debit);
    }

    private static Outcome refused(Posting.Refused refused, String aggregateType, UUID aggregateId) {
        return Outcome.rejected(refused.reason(), refused.detail(), aggregateType, aggregateId.toString());
    }

    /** Sorted, so that the lock order is the same for every batch. */
    private static TreeSet<UUID> accountsNamedBy(List<Envelope<LedgerCommand>> commands) {
        TreeSet<UUID> ids = new TreeSet<>();
        for (Envelope<LedgerCommand> envelope : commands) {
            LedgerCommand command = envelope.payload();
            if (command instanceof RegisterAgent register) {
                ids.add(register.agentId());
            } else if (command instanceof GrantKarma grant) {
                ids.add(Accounts.TREASURY);
                ids.add(grant.accountId());
            } else if (command instanceof TransferKarma transfer) {
                ids.add(transfer.debitAccountId());
                ids.add(transfer.creditAccountId());
            }
        }
        return ids;
    }
}
