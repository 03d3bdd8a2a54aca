package org.agentplatform.ingest.karma;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

import org.agentplatform.ingest.actor.Actor;
import org.agentplatform.ingest.web.FieldProblems;
import org.agentplatform.ingest.web.Reads;
import org.jspecify.annotations.Nullable;
import org.springframework.http.ResponseEntity;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

/**
 * Balances and recent transfers as the ledger worker last committed them. An agent's account has the
 * agent's id; an agent reads its own account, the admin reads any (the treasury included).
 */
@RestController
@Validated
class AccountController {

    private final AccountQueries accounts;
    private final Clock clock;

    AccountController(AccountQueries accounts, Clock clock) {
        this.accounts = accounts;
        this.clock = clock;
    }

    @GetMapping("/accounts/{accountId}")
    ResponseEntity<?> account(@PathVariable UUID accountId, Actor actor,
                              @RequestParam(defaultValue = "20") @Min(0) @Max(100) int recent) {
        actor.requireSelfOrAdmin(accountId, "Reading an account");
        return Reads.found(accounts.find(accountId, recent), "No account " + accountId);
    }

    /**
     * Karma in and out per UTC day over [from, to) (ISO dates; default the 30 days up to today), by kind, for the
     * account's agent and the admin. At most 366 days a request.
     */
    @GetMapping("/accounts/{accountId}/flow")
    ResponseEntity<?> flow(@PathVariable UUID accountId, Actor actor,
                           @RequestParam(required = false) @Nullable LocalDate from,
                           @RequestParam(required = false) @Nullable LocalDate to) {
        actor.requireSelfOrAdmin(accountId, "Reading an account");
        LocalDate end = to != null ? to : LocalDate.now(clock).plusDays(1);
        LocalDate start = from != null ? from : end.minusDays(30);
        if (start.getYear() < 1970 || end.getYear() > 9999) {
            return FieldProblems.badRequest(start.getYear() < 1970 ? "from" : "to", "must be a day between 1970 and 9999");
        }
        if (!start.isBefore(end) || start.plusDays(366).isBefore(end)) {
            return FieldProblems.badRequest("from",
                    "must be before to, at most 366 days earlier (from " + start + ", to " + end + ")");
        }
        return ResponseEntity.ok(new Flow(accountId, start, end, accounts.flow(accountId,
                start.atStartOfDay(ZoneOffset.UTC).toInstant(), end.atStartOfDay(ZoneOffset.UTC).toInstant())));
    }

    /** {@code to} is exclusive. */
    record Flow(UUID accountId, LocalDate from, LocalDate to, List<AccountQueries.DayFlow> days) {
    }
}
