package org.agentplatform.ingest.ratelimit;

import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One token bucket per caller, in memory: each ingest instance limits on its own, so the effective limit
 * of a caller is the per-instance limit times the instances behind the load balancer. One entry per agent
 * that ever called; agents are few enough that this needs no eviction.
 */
final class TokenBuckets {

    private final int capacity;
    private final double refillPerMilli;
    private final Clock clock;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    TokenBuckets(int capacity, double refillPerSecond, Clock clock) {
        this.capacity = capacity;
        this.refillPerMilli = refillPerSecond / 1000.0;
        this.clock = clock;
    }

    /** 0 if a token was taken, else how many milliseconds until the next one. */
    long tryTake(String caller) {
        return buckets.computeIfAbsent(caller, c -> new Bucket(capacity, clock.millis())).tryTake(clock.millis());
    }

    private final class Bucket {

        private double tokens;
        private long lastMillis;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.lastMillis = now;
        }

        synchronized long tryTake(long now) {
            if (now > lastMillis) {
                tokens = Math.min(capacity, tokens + (now - lastMillis) * refillPerMilli);
                lastMillis = now;
            }
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return (long) Math.ceil((1 - tokens) / refillPerMilli);
        }
    }
}
