package org.agentplatform.ingest.karma;

import java.util.UUID;

import org.agentplatform.ingest.actor.Actor;
import org.agentplatform.ingest.web.Reads;
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

    AccountController(AccountQueries accounts) {
        this.accounts = accounts;
    }

    @GetMapping("/accounts/{accountId}")
    ResponseEntity<?> account(@PathVariable UUID accountId, Actor actor,
                              @RequestParam(defaultValue = "20") @Min(0) @Max(100) int recent) {
        actor.requireSelfOrAdmin(accountId, "Reading an account");
        return Reads.found(accounts.find(accountId, recent), "No account " + accountId);
    }
}
