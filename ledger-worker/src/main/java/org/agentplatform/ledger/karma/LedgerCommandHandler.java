package org.agentplatform.ledger.karma;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.IntStream;

import org.agentplatform.runtime.CommandHandler;
import org.agentplatform.runtime.Outcome;
import org.agentplatform.schema.authorization.Issuer;
import org.agentplatform.schema.ledger.AgentReactivated;
import org.agentplatform.schema.ledger.AgentRegistered;
import org.agentplatform.schema.ledger.AgentSuspended;
import org.agentplatform.schema.ledger.DisputeClaim;
import org.agentplatform.schema.ledger.SubmitClaim;
import org.agentplatform.schema.ledger.VerifyClaim;
import org.agentplatform.schema.ledger.Accounts;
import org.agentplatform.schema.ledger.GrantKarma;
import org.agentplatform.schema.ledger.LedgerCommand;
import org.agentplatform.schema.ledger.PostPending;
import org.agentplatform.schema.ledger.ReactivateAgent;
import org.agentplatform.schema.ledger.RegisterAgent;
import org.agentplatform.schema.ledger.ReserveKarma;
import org.agentplatform.schema.ledger.SuspendAgent;
import org.agentplatform.schema.ledger.TransferBatch;
import org.agentplatform.schema.ledger.TransferKarma;
import org.agentplatform.schema.ledger.TransferKind;
import org.agentplatform.schema.ledger.VoidPending;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.Event;
import org.agentplatform.schema.messaging.Topics;
import org.springframework.stereotype.Component;

/**
 * Applies a batch of ledger commands: locks the claims and pending transfers the batch names, the posts and voids
 * parked for the reservations it makes, then every account it touches (each in id order), runs the commands
 * through the {@link Ledger} in order, then writes all changes with one statement per kind.
 *
 * <p>A post or void whose reservation does not exist yet (it travels on another key and may come later) is
 * parked, not refused: recorded DEFERRED, and decided when the reservation is applied, in that transaction, right
 * after it; or by the {@link ParkedResolutionSweeper} once the reservation exists or the deadline passed.
 */
@Component
class LedgerCommandHandler implements CommandHandler<LedgerCommand> {

    private final LedgerRepository repository;
    private final ClaimRepository claimRepository;
    private final ClaimsProperties claimsProperties;
    private final ParkedResolutionRepository parkedRepository;
    private final ParkedResolutionProperties parkedProperties;
    private final Clock clock;

    LedgerCommandHandler(LedgerRepository repository, ClaimRepository claimRepository, ClaimsProperties claimsProperties,
                         ParkedResolutionRepository parkedRepository, ParkedResolutionProperties parkedProperties,
                         Clock clock) {
        this.repository = repository;
        this.claimRepository = claimRepository;
        this.claimsProperties = claimsProperties;
        this.parkedRepository = parkedRepository;
        this.parkedProperties = parkedProperties;
        this.clock = clock;
    }

    @Override
    public Class<LedgerCommand> family() {
        return LedgerCommand.class;
    }

    @Override
    public List<Outcome> handle(List<Envelope<LedgerCommand>> commands) {
        Instant now = clock.instant();
        // Lock order, the same in every transaction: claims, pending transfers, parked resolutions, accounts; each
        // by id.
        BatchLocks named = BatchLocks.of(commands);
        List<Claim> claims = claimRepository.lock(named.claims());
        // copies: the lock set grows by what the locked rows name, and the targets shrink by what exists
        TreeSet<UUID> targets = new TreeSet<>(named.pendings());
        TreeSet<UUID> pendingIds = new TreeSet<>(named.pendings());
        TreeSet<UUID> accountIds = new TreeSet<>(named.accounts());
        for (Claim claim : claims) {
            accountIds.add(claim.claimantId());
            if (claim.stakePendingId() != null) {
                pendingIds.add(claim.stakePendingId());
            }
        }
        List<PendingTransfer> pendings = repository.lockPendings(pendingIds);
        PendingTransfer.accountsOf(pendings, accountIds);
        TreeSet<UUID> reservations = named.reservations();
        pendings.forEach(p -> targets.remove(p.id()));
        targets.removeAll(reservations);
        // read after the reservations are locked: a sweep that decided their parked ones meanwhile is seen
        ParkedResolutions parked = new ParkedResolutions(parkedRepository.lockFor(reservations),
                parkedRepository.neverReservations(targets),
                parkedRepository.waitingFor(pendings.stream().map(PendingTransfer::id).toList()));
        Ledger ledger = new Ledger(repository.lock(accountIds), pendings);
        List<Outcome> outcomes = new ArrayList<>(commands.size());
        List<LedgerRepository.NewAgent> agents = new ArrayList<>();
        List<Posting.Recorded> transfers = new ArrayList<>();
        ClaimBook book = new ClaimBook(claims, ledger, claimsProperties, transfers);

        for (Envelope<LedgerCommand> envelope : commands) {
            UUID id = envelope.id();
            LedgerCommand command = envelope.payload();
            Outcome outcome;
            if (command instanceof RegisterAgent c) {
                outcome = ledger.open(c.agentId())
                        .map(refused -> refused(refused, Topics.AGGREGATE_AGENT, c.agentId()))
                        .orElseGet(() -> {
                            agents.add(new LedgerRepository.NewAgent(c.agentId(), c.name()));
                            return Outcome.applied(new AgentRegistered(c.agentId(), c.name()));
                        });
            } else if (command instanceof SuspendAgent c) {
                outcome = ledger.suspend(c.agentId())
                        .map(refused -> refused(refused, Topics.AGGREGATE_AGENT, c.agentId()))
                        .orElseGet(() -> Outcome.applied(new AgentSuspended(c.agentId())));
            } else if (command instanceof ReactivateAgent c) {
                outcome = ledger.reactivate(c.agentId())
                        .map(refused -> refused(refused, Topics.AGGREGATE_AGENT, c.agentId()))
                        .orElseGet(() -> Outcome.applied(new AgentReactivated(c.agentId())));
            } else if (command instanceof GrantKarma c) {
                outcome = outcome(transfers, Accounts.TREASURY,
                        ledger.post(id, Accounts.TREASURY, c.accountId(), c.amount(), TransferKind.GRANT));
            } else if (command instanceof TransferKarma c) {
                outcome = outcome(transfers, c.debitAccountId(),
                        ledger.post(id, c.debitAccountId(), c.creditAccountId(), c.amount(), TransferKind.TRANSFER,
                                c.memo()));
            } else if (command instanceof TransferBatch c) {
                List<TransferBatch.Leg> legs = c.transfers();
                outcome = outcome(transfers, legs.isEmpty() ? id : legs.get(0).debitAccountId(), ledger.postLinked(
                        IntStream.range(0, legs.size()).mapToObj(i -> TransferBatch.legId(id, i)).toList(),
                        legs.stream().map(l -> new Ledger.Leg(l.debitAccountId(), l.creditAccountId(), l.amount())).toList(),
                        TransferKind.TRANSFER));
            } else if (command instanceof ReserveKarma c) {
                outcome = outcome(transfers, c.debitAccountId(), ledger.reserve(id, c.debitAccountId(),
                        c.creditAccountId(), c.amount(), TransferKind.TRANSFER, c.expiresAt(), envelope.actor(), now));
                if (outcome instanceof Outcome.Applied applied) {
                    // right after the reservation, before anything later in the batch: they arrived first
                    outcome = applied.finishing(parked.take(id).stream()
                            .map(p -> finished(transfers, p, p.applyTo(ledger, now))).toList());
                }
            } else if (command instanceof PostPending c) {
                outcome = parked.mayWait(c.pendingId(), ledger)
                        ? parked.park(ParkedResolution.of(envelope, c.pendingId(), ParkedResolution.Kind.POST, now,
                                parkedProperties.deadline()))
                        : outcome(transfers, c.pendingId(), ledger.postPending(id, c.pendingId(),
                                Issuer.of(envelope.actor()), now));
            } else if (command instanceof VoidPending c) {
                outcome = parked.mayWait(c.pendingId(), ledger)
                        ? parked.park(ParkedResolution.of(envelope, c.pendingId(), ParkedResolution.Kind.VOID, now,
                                parkedProperties.deadline()))
                        : outcome(transfers, c.pendingId(), ledger.voidPending(id, c.pendingId(),
                                Issuer.of(envelope.actor()), now));
            } else if (command instanceof SubmitClaim c) {
                outcome = book.submit(id, c, now);
            } else if (command instanceof VerifyClaim c) {
                outcome = book.vote(id, c.claimId(), c.verifierId(), true, now);
            } else if (command instanceof DisputeClaim c) {
                outcome = book.vote(id, c.claimId(), c.verifierId(), false, now);
            } else {
                throw new IllegalArgumentException("Unhandled ledger command " + command.getClass().getName());
            }
            parked.handled(id);
            outcomes.add(outcome);
        }

        // Agents before accounts (foreign key), accounts before transfers.
        repository.insertAgents(agents, now);
        repository.insertAccounts(ledger.opened(), now);
        repository.updateAgentStatuses(ledger.statusChanged(), now);
        repository.updateBalances(ledger.changedExisting(), now);
        repository.insertTransfers(transfers, now);
        // Claims after transfers (a claim references its stake), votes and history after claims.
        claimRepository.insertClaims(book.created, now);
        claimRepository.updateClaims(book.changedExisting(), now);
        claimRepository.insertVotes(book.votes, now);
        claimRepository.insertHistory(book.history, now);
        parkedRepository.delete(parked.decidedStored());
        parkedRepository.insert(parked.stillWaiting());
        return outcomes;
    }

    /** A parked resolution decided: its transfer row, and its final outcome as a direct one would have had. */
    static Outcome.Finished finished(List<Posting.Recorded> transfers, ParkedResolution parked, Posting posting) {
        return new Outcome.Finished(parked.envelope(), outcome(transfers, parked.pendingId(), posting));
    }

    /** {@code aggregateId}: where a rejection is published (the debited account, or the pending transfer). */
    static Outcome outcome(List<Posting.Recorded> transfers, UUID aggregateId, Posting posting) {
        if (posting instanceof Posting.Recorded row) {
            transfers.add(row);
            return Outcome.applied(row.event());
        }
        if (posting instanceof Posting.Linked linked) {
            transfers.addAll(linked.legs());
            return Outcome.applied(linked.legs().stream().map(l -> (Event) l.event()).toList());
        }
        return refused((Refused) posting, Topics.AGGREGATE_KARMA, aggregateId);
    }

    private static Outcome refused(Refused refused, String aggregateType, UUID aggregateId) {
        return Outcome.rejected(refused.reason(), refused.detail(), aggregateType, aggregateId.toString());
    }
}
