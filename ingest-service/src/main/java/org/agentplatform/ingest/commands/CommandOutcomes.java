package org.agentplatform.ingest.commands;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Waits, bounded, for a worker to record a command's outcome. It polls the inbox rather than holding anything
 * open: each poll borrows a pooled connection for one query and returns it, so a waiting request costs a thread,
 * not a connection.
 */
@Component
public class CommandOutcomes {

    private final JdbcClient jdbc;

    CommandOutcomes(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** What the worker recorded: {@code APPLIED}, or {@code REJECTED} with a reason. */
    public record Outcome(String outcome, @Nullable String reason, @Nullable String detail) {

        public boolean applied() {
            return "APPLIED".equals(outcome);
        }
    }

    /** The final outcome, or empty if none was recorded within {@code timeout}. */
    public Optional<Outcome> await(UUID commandId, Duration timeout, Duration pollInterval) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            // DEFERRED: handled, but waiting for something (a post for its reservation), not decided yet
            Optional<Outcome> outcome = jdbc.sql("""
                            select outcome, reason, detail from processed_commands
                            where command_id = ? and outcome <> 'DEFERRED'""")
                    .param(commandId)
                    .query((rs, n) -> new Outcome(rs.getString(1), rs.getString(2), rs.getString(3)))
                    .optional();
            long left = deadline - System.nanoTime();
            if (outcome.isPresent() || left <= 0) {
                return outcome;
            }
            try {
                Thread.sleep(Math.max(1, Math.min(pollInterval.toMillis(), left / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }
}
