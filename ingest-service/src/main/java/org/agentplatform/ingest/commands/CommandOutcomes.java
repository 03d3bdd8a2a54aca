package org.agentplatform.ingest.commands;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.agentplatform.runtime.CommandOutcomes.Recorded;
import org.jspecify.annotations.Nullable;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Waits, bounded, for a worker to record a command's outcome. It polls the runtime's record of outcomes rather
 * than holding anything open: each poll borrows a pooled connection for one query and returns it, so a waiting
 * request costs a thread, not a connection.
 */
@Component
public class CommandOutcomes {

    private final org.agentplatform.runtime.CommandOutcomes recorded;

    CommandOutcomes(JdbcTemplate jdbc) {
        // not a bean: ingest takes command-runtime's reads, not its consumer-side configuration
        this.recorded = new org.agentplatform.runtime.CommandOutcomes(jdbc);
    }

    /** What the worker recorded: {@code APPLIED}, or {@code REJECTED} with a reason. */
    public record Outcome(String outcome, @Nullable String reason, @Nullable String detail) {

        public boolean applied() {
            return "APPLIED".equals(outcome);
        }
    }

    /** What the workers recorded for those of {@code commandIds} they handled, by id. */
    public Map<UUID, Recorded> find(Collection<UUID> commandIds) {
        return recorded.find(commandIds);
    }

    /** What the worker recorded for {@code commandId} now, DEFERRED included; empty while it is not handled. */
    public Optional<Recorded> find(UUID commandId) {
        return recorded.find(commandId);
    }

    /** The final outcome, or empty if none was recorded within {@code timeout}. */
    public Optional<Outcome> await(UUID commandId, Duration timeout, Duration pollInterval) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            // DEFERRED: handled, but waiting for something (a post for its reservation), not decided yet
            Optional<Outcome> outcome = recorded.find(commandId).filter(Recorded::isFinal)
                    .map(r -> new Outcome(r.status().name(), r.reason(), r.detail()));
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
