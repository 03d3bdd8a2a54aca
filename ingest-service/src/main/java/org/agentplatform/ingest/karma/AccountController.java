package org.agentplatform.ingest.karma;

import java.util.UUID;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** Balances as the ledger worker last committed them. An agent's account has the agent's id. */
@RestController
class AccountController {

    private final JdbcClient jdbc;

    AccountController(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @GetMapping("/accounts/{accountId}")
    ResponseEntity<?> account(@PathVariable UUID accountId) {
        return jdbc.sql("select balance, pending_debits from accounts where id = ?")
                .param(accountId)
                .query((rs, n) -> new AccountView(accountId, rs.getLong(1), rs.getLong(2)))
                .optional()
                .<ResponseEntity<?>>map(ResponseEntity::ok)
                .orElseGet(() -> ResponseEntity.of(ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND,
                        "No account " + accountId)).build());
    }

    /** {@code available} is what a transfer may still take: the balance less the reserved pending debits. */
    record AccountView(UUID accountId, long balance, long pendingDebits, long available) {

        AccountView(UUID accountId, long balance, long pendingDebits) {
            this(accountId, balance, pendingDebits, balance - pendingDebits);
        }
    }
}
