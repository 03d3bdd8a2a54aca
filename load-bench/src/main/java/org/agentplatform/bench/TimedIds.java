package org.agentplatform.bench;

import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Command ids that carry their scheduled send time: the high 64 bits are epoch microseconds, the low 64 random.
 * PostgreSQL orders uuids bytewise, so the commands of a time window are a primary-key range of
 * processed_commands, and the publish-to-commit latency is computed in SQL without keeping a map of ids.
 */
final class TimedIds {

    private TimedIds() {
    }

    static UUID at(long epochMicros) {
        return new UUID(epochMicros, ThreadLocalRandom.current().nextLong());
    }

    /** The smallest id of a command scheduled at or after {@code epochMicros}. */
    static UUID lowerBound(long epochMicros) {
        return new UUID(epochMicros, 0L); // bytewise smallest low half
    }

    static long micros(Instant instant) {
        return instant.getEpochSecond() * 1_000_000L + instant.getNano() / 1_000;
    }

    static Instant instant(long epochMicros) {
        return Instant.ofEpochSecond(epochMicros / 1_000_000L, (epochMicros % 1_000_000L) * 1_000L);
    }

    /** SQL: the scheduled send time of a timed id, in epoch milliseconds. */
    static final String SENT_MILLIS_SQL =
            "(('x' || substr(replace(command_id::text, '-', ''), 1, 16))::bit(64)::bigint / 1000.0)";
}
