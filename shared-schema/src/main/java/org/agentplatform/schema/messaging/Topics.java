package org.agentplatform.schema.messaging;

import org.agentplatform.schema.ledger.Accounts;
import org.agentplatform.schema.ledger.GrantKarma;
import org.agentplatform.schema.ledger.RegisterAgent;

/**
 * Topic names. A prefix (empty in production) lets several isolated systems share one broker, as the
 * tests do.
 */
public record Topics(String prefix) {

    public static final String AGGREGATE_AGENT = "agent";
    public static final String AGGREGATE_KARMA = "karma";
    public static final String AGGREGATE_JOB = "job";
    private static final String DEAD_LETTER_SUFFIX = ".dlt";

    public Topics {
        prefix = prefix == null ? "" : prefix;
    }

    /**
     * The topic agent registrations used before they moved to {@link #karmaCommands()}; the ledger worker still
     * reads it so that a record left there gets a recorded refusal instead of silence.
     */
    public String agentCommands() {
        return prefix + "commands.agents";
    }

    public String karmaCommands() {
        return prefix + "commands.karma";
    }

    public String jobCommands() {
        return prefix + "commands.jobs";
    }

    /** Claim submissions and votes, keyed by claim id; applied by the ledger worker with the stakes they move. */
    public String claimCommands() {
        return prefix + "commands.claims";
    }

    /**
     * The command topic a command is published to, and the only one a worker applies it from. Agent lifecycle
     * commands travel with karma, keyed by the agent, so a registration is ordered before the agent's own
     * movements and the grants to it.
     */
    public String commandsFor(Command command) {
        return switch (command.topic()) {
            case KARMA -> karmaCommands();
            case CLAIMS -> claimCommands();
            case JOBS -> jobCommands();
        };
    }

    /** Whether a command record on {@code topic} with {@code key} follows the contract (or its legacy route). */
    public boolean carries(String topic, String key, Command command) {
        return commandsFor(command).equals(topic) && command.partitionKey().equals(key)
                || carriesLegacy(topic, key, command);
    }

    /**
     * The routes of the first release, accepted until schema version 2 so that commands in flight during a
     * rolling upgrade are applied rather than refused: grants keyed by the treasury, registrations on
     * {@link #agentCommands()}. Both orders were what the first release promised.
     */
    public boolean carriesLegacy(String topic, String key, Command command) {
        if (command instanceof GrantKarma) {
            return karmaCommands().equals(topic) && Accounts.TREASURY.toString().equals(key);
        }
        if (command instanceof RegisterAgent r) {
            return agentCommands().equals(topic) && r.agentId().toString().equals(key);
        }
        return false;
    }

    /** Domain events of one aggregate type, keyed by aggregate id. */
    public String events(String aggregateType) {
        return prefix + "events." + aggregateType;
    }

    /** Every row change of the audited tables. */
    public String auditChanges() {
        return prefix + "audit.changes";
    }

    /** Where records of {@code topic} that cannot be processed go, with the reason in headers. */
    public String deadLetters(String topic) {
        return topic + DEAD_LETTER_SUFFIX;
    }

    /** Whether {@code topic} is the dead-letter topic of one of this system's command topics or of the audit changes. */
    public boolean isDeadLetters(String topic) {
        return java.util.stream.Stream.of(agentCommands(), karmaCommands(), claimCommands(), jobCommands(), auditChanges())
                .map(this::deadLetters).anyMatch(topic::equals);
    }

    /** The topic whose records {@code deadLetterTopic} holds. */
    public String originalOf(String deadLetterTopic) {
        if (!isDeadLetters(deadLetterTopic)) {
            throw new IllegalArgumentException(deadLetterTopic + " is not a dead-letter topic");
        }
        return deadLetterTopic.substring(0, deadLetterTopic.length() - DEAD_LETTER_SUFFIX.length());
    }

    /** Where a replay parks a dead letter of {@code topic} that came back too often. */
    public String quarantine(String topic) {
        return topic + ".quarantine";
    }
}
