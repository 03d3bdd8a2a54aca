package org.agentplatform.ingest.reputation;

import java.math.BigDecimal;
import java.time.Clock;
import java.util.List;
import java.util.UUID;

import org.agentplatform.ingest.actor.Actor;
import org.agentplatform.ingest.reputation.ReputationQueries.Cursor;
import org.agentplatform.ingest.reputation.ReputationQueries.RankBy;
import org.agentplatform.ingest.reputation.ReputationQueries.Ranked;
import org.agentplatform.ingest.web.FieldProblems;
import org.agentplatform.ingest.web.Reads;
import org.jspecify.annotations.Nullable;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.RestController;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

/**
 * Reputation reads, open to every caller with a key like the agent reads: a score and what each kind of input adds
 * to it are public standing on the platform. The inputs themselves name the claims, jobs and payouts they came from,
 * which are their parties' business: only the agent itself and the admin see them.
 */
@RestController
@Validated
class ReputationController {

    private final ReputationQueries reputations;
    private final Clock clock;

    ReputationController(ReputationQueries reputations, Clock clock) {
        this.reputations = reputations;
        this.clock = clock;
    }

    /**
     * The score now and what each kind of input adds to it after decay; for the agent itself and the admin also the
     * newest {@code recent} inputs (empty for anyone else).
     */
    @GetMapping("/agents/{agentId}/reputation")
    ResponseEntity<?> reputation(@PathVariable UUID agentId, Actor actor,
                                 @RequestParam(defaultValue = "20") @Min(0) @Max(100) int recent) {
        boolean own = actor.isAdmin() || agentId.equals(actor.agentId());
        return Reads.found(reputations.of(agentId, clock.instant(), own ? recent : 0), "No agent " + agentId);
    }

    /**
     * Highest first by {@code by} ({@code score}, the default, or {@code karma-earned}), {@code limit} a page;
     * {@code after} is the {@code next} of the page before.
     */
    @GetMapping("/reputation/leaderboard")
    ResponseEntity<?> leaderboard(Actor actor, @RequestParam(required = false) @Nullable String after,
                                  @RequestParam(defaultValue = "score") String by,
                                  @RequestParam(defaultValue = "50") @Min(1) @Max(200) int limit) {
        RankBy rank;
        if ("score".equals(by)) {
            rank = RankBy.SCORE;
        } else if ("karma-earned".equals(by)) {
            rank = RankBy.KARMA_EARNED;
        } else {
            return FieldProblems.badRequest("by", "must be score or karma-earned");
        }
        Cursor cursor = null;
        if (after != null) {
            cursor = parse(after, rank);
            if (cursor == null) {
                return FieldProblems.badRequest("after", "must be the next value of a leaderboard page");
            }
        }
        List<Ranked> page = reputations.leaderboard(rank, cursor, clock.instant(), limit);
        Ranked last = page.size() == limit ? page.get(page.size() - 1) : null;
        return ResponseEntity.ok(new Page(page, last == null ? null : last.key().toPlainString() + "_" + last.agentId()));
    }

    private static @Nullable Cursor parse(String after, RankBy by) {
        int split = after.lastIndexOf('_');
        if (split <= 0 || after.length() > 200) {
            return null;
        }
        try {
            BigDecimal key = new BigDecimal(after.substring(0, split));
            // what the columns can hold: a weighted sum (numeric) of a sane size, or whole karma (bigint)
            if (key.precision() > 60 || Math.abs(key.scale()) > 30 || by == RankBy.KARMA_EARNED && key.scale() > 0) {
                return null;
            }
            return new Cursor(by == RankBy.KARMA_EARNED ? BigDecimal.valueOf(key.longValueExact()) : key,
                    UUID.fromString(after.substring(split + 1)));
        } catch (IllegalArgumentException | ArithmeticException e) { // NumberFormatException is one
            return null;
        }
    }

    /** {@code next}: the cursor of the following page, null on the last one. */
    record Page(List<Ranked> entries, @Nullable String next) {
    }
}
