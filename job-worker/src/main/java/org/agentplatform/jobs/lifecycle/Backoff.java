package org.agentplatform.jobs.lifecycle;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with bounded jitter: {@code min(max, base * 2^(attempt-1)) * (1 + jitter * u)}, u in
 * [0, 1). The jitter fraction stays below 1, so below the cap each delay is longer than the one before.
 */
final class Backoff {

    private final Duration base;
    private final Duration max;
    private final double jitter;
    private final DoubleSupplier random;

    Backoff(Duration base, Duration max, double jitter, DoubleSupplier random) {
        if (jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("jitter must be in [0, 1)");
        }
        this.base = base;
        this.max = max;
        this.jitter = jitter;
        this.random = random;
    }

    static Backoff of(JobsProperties properties) {
        return new Backoff(properties.backoffBase(), properties.backoffMax(), properties.backoffJitter(),
                () -> ThreadLocalRandom.current().nextDouble());
    }

    /** The delay before the attempt after {@code failedAttempt} (1-based). */
    Duration after(int failedAttempt) {
        int doublings = Math.min(Math.max(failedAttempt - 1, 0), 40);
        long millis = base.toMillis() << doublings;
        if (millis <= 0 || millis > max.toMillis()) {
            millis = max.toMillis();
        }
        return Duration.ofMillis(Math.round(millis * (1 + jitter * random.getAsDouble())));
    }
}
