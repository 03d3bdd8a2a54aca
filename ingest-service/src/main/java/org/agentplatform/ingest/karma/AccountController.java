package org.agentplatform.ingest.karma;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

import org.agentplatform.ingest.actor.Actor;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
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

    private final JdbcClient jdbc;

    AccountController(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @GetMapping("/accounts/{accountId}")
    ResponseEntity<?> account(@PathVariable UUID accountId, Actor actor,
                              @RequestParam(defaultValue = "20") @Min(0) @Max(100) int recent) {
        actor.requireSelfOrAdmin(accountId, "Reading an account");
        return jdbc.sql("select balance, pending_debits, pending_credits from accounts where id = ?")
                .param(accountId)
                .query((rs, n) -> new AccountView(accountId, rs.getLong(1), rs.getLong(2), rs.getLong(3),
                        rs.getLong(1) - rs.getLong(2), recentTransfers(accountId, recent)))
                .optional()
                .<ResponseEntity<?>>map(ResponseEntity::ok)
                .orElseGet(() -> ResponseEntity.of(ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND,
                        "No account " + accountId)).build());
    }

    /** Newest first, either side; the two indexes on (account, created_at) serve both halves. */
    private List<TransferView> recentTransfers(UUID accountId, int limit) {
        if (limit == 0) {
            return List.of();
        }
        return jdbc.sql("""
                (select id, debit_account_id, credit_account_id, amount, kind, status, created_at from transfers
                  where debit_account_id = :id order by created_at desc limit :limit)
                union
                (select id, debit_account_id, credit_account_id, amount, kind, status, created_at from transfers
                  where credit_account_id = :id order by created_at desc limit :limit)
                order by created_at desc, id limit :limit""")
                .param("id", accountId)
                .param("limit", limit)
                .query((rs, n) -> new TransferView(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class),
                        rs.getObject(3, UUID.class), rs.getLong(4), rs.getString(5), rs.getString(6),
                        rs.getObject(7, OffsetDateTime.class).toInstant()))
                .list();
    }

    /** {@code available} is what a transfer may still take: the balance less the reserved pending debits. */
    record AccountView(UUID accountId, long balance, long pendingDebits, long pendingCredits, long available,
                       List<TransferView> recentTransfers) {
    }

    record TransferView(UUID transferId, UUID debitAccountId, UUID creditAccountId, long amount, String kind,
                        String status, Instant createdAt) {
    }
}
