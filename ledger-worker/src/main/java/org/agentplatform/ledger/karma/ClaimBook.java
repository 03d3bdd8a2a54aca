package org.agentplatform.ledger.karma;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.agentplatform.runtime.Outcome;
import org.agentplatform.schema.ledger.Accounts;
import org.agentplatform.schema.ledger.ClaimSettled;
import org.agentplatform.schema.ledger.ClaimStatus;
import org.agentplatform.schema.ledger.ClaimSubmitted;
import org.agentplatform.schema.ledger.ClaimVoted;
import org.agentplatform.schema.ledger.Claims;
import org.agentplatform.schema.ledger.SubmitClaim;
import org.agentplatform.schema.ledger.TransferKind;
import org.agentplatform.schema.messaging.DerivedIds;
import org.agentplatform.schema.messaging.Event;

/**
 * The claims one batch touches, applied in order against the batch's {@link Ledger}: a stake is a reservation,
 * settlement posts or voids it and pays the reward, all in the batch's transaction. Collects the rows to write.
 */
final class ClaimBook {

    /**
     * The controller of every stake: the claim settles it, inside this book, and no PostPending/VoidPending
     * may (the migration V7 backfills the same name).
     */
    static final String STAKE_CONTROLLER = "ledger-claims";

    private final Ledger ledger;
    private final ClaimsProperties properties;
    private final List<Posting.Recorded> transfers;
    private final Map<UUID, Claim> claims = new HashMap<>();
    final List<ClaimRepository.NewClaim> created = new ArrayList<>();
    final List<ClaimRepository.Vote> votes = new ArrayList<>();
    final List<ClaimRepository.StatusChange> history = new ArrayList<>();

    ClaimBook(Collection<Claim> locked, Ledger ledger, ClaimsProperties properties, List<Posting.Recorded> transfers) {
        locked.forEach(c -> claims.put(c.id(), c));
        this.ledger = ledger;
        this.properties = properties;
        this.transfers = transfers;
    }

    Outcome submit(UUID commandId, SubmitClaim c, Instant now) {
        if (claims.containsKey(c.claimId())) {
            return rejected(c.claimId(), Claim.CLAIM_EXISTS, "claim " + c.claimId() + " already exists");
        }
        Optional<Refused> refused = ledger.activeAgent(c.claimantId())
                .or(() -> Claim.refusesSubmission(c.subject(), c.stake()));
        if (refused.isPresent()) {
            return rejected(c.claimId(), refused.get().reason(), refused.get().detail());
        }
        List<Event> events = new ArrayList<>();
        UUID stakeId = null;
        if (c.stake() > 0) {
            stakeId = derived("stake", c.claimId());
            Posting stake = ledger.reserve(stakeId, c.claimantId(), Accounts.TREASURY, c.stake(), TransferKind.STAKE,
                    now.plus(properties.stakeHold()), STAKE_CONTROLLER, now);
            if (stake instanceof Refused r) {
                return rejected(c.claimId(), r.reason(), "stake: " + r.detail());
            }
            transfers.add((Posting.Recorded) stake);
            events.add(((Posting.Recorded) stake).event());
        }
        Claim claim = new Claim(c.claimId(), c.claimantId(), c.stake(), stakeId, properties.quorum(), ClaimStatus.OPEN,
                0, 0, Set.of(), true);
        claims.put(claim.id(), claim);
        created.add(new ClaimRepository.NewClaim(claim, c.subject(), c.statement(), c.evidence()));
        history.add(new ClaimRepository.StatusChange(claim.id(), ClaimStatus.OPEN, commandId));
        events.add(0, new ClaimSubmitted(claim.id(), claim.claimantId(), c.subject(), claim.stake(), stakeId, claim.quorum()));
        return Outcome.applied(events);
    }

    Outcome vote(UUID commandId, UUID claimId, UUID voterId, boolean verified, Instant now) {
        Claim claim = claims.get(claimId);
        if (claim == null) {
            return rejected(claimId, Claim.CLAIM_NOT_FOUND, "no claim " + claimId);
        }
        Optional<Refused> refused = ledger.activeAgent(voterId).or(() -> claim.vote(voterId, verified));
        if (refused.isPresent()) {
            return rejected(claimId, refused.get().reason(), refused.get().detail());
        }
        votes.add(new ClaimRepository.Vote(claimId, voterId, verified, commandId));
        List<Event> events = new ArrayList<>();
        events.add(new ClaimVoted(claimId, voterId, verified, claim.verifications(), claim.disputes()));
        if (claim.status() != ClaimStatus.OPEN) {
            events.addAll(settle(claim, commandId, now));
        }
        return Outcome.applied(events);
    }

    /**
     * Verified: stake returned, reward paid. Rejected: stake slashed. A stake that already expired (the claim
     * stayed open longer than the hold) was returned by the sweeper, so there is nothing left to slash.
     */
    private List<Event> settle(Claim claim, UUID commandId, Instant now) {
        List<Event> events = new ArrayList<>();
        boolean verified = claim.status() == ClaimStatus.VERIFIED;
        long slashed = 0;
        if (claim.stakePendingId() != null) {
            Posting stake = ledger.settleStake(derived(verified ? "return" : "slash", claim.id()), claim.stakePendingId(),
                    now, !verified);
            if (stake instanceof Posting.Recorded row) {
                transfers.add(row);
                events.add(row.event());
                slashed = verified ? 0 : row.amount();
            }
        }
        long reward = verified ? properties.reward() : 0;
        if (reward > 0) {
            Posting paid = ledger.post(derived("reward", claim.id()), Accounts.TREASURY, claim.claimantId(), reward,
                    TransferKind.REWARD);
            if (!(paid instanceof Posting.Recorded row)) {
                // Only a balance overflow can refuse a treasury payment: undo the whole batch rather than half of it.
                throw new IllegalStateException("reward for claim " + claim.id() + " refused: " + paid);
            }
            transfers.add(row);
            events.add(row.event());
        }
        history.add(new ClaimRepository.StatusChange(claim.id(), claim.status(), commandId));
        events.add(0, new ClaimSettled(claim.id(), claim.claimantId(), claim.status(), reward, slashed));
        return events;
    }

    /** Claims created in this batch are inserted with their final state, so only older ones are updated. */
    List<Claim> changedExisting() {
        return claims.values().stream().filter(c -> !c.isNew() && c.changed()).toList();
    }

    /** Ids of the transfers a claim makes: derived, so that they are the same on every replay. */
    private static UUID derived(String what, UUID claimId) {
        return DerivedIds.of(what, claimId);
    }

    private static Outcome rejected(UUID claimId, String reason, String detail) {
        return Outcome.rejected(reason, detail, Claims.AGGREGATE, claimId.toString());
    }
}
