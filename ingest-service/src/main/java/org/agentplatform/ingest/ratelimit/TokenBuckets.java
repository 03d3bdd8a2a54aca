package org.agentplatform.ingest.ratelimit;

import java.time.Clock;
import java.time.Duration;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;

/**
 * One Bucket4j token bucket per caller, in memory: each ingest instance limits on its own, so the effective
 * limit of a caller is the per-instance limit times the instances behind the load balancer.
 *
 * <p>The buckets are in a bounded cache. A bucket left alone for as long as an empty one takes to fill up is
 * full again, the same as a new one, so it is dropped then; and at most {@link #MAX_CALLERS} are kept, so
 * many callers cannot grow memory without bound (past that, the least recently used lose their state and
 * start again from a full bucket).
 */
public final class TokenBuckets {

    static final int MAX_CALLERS = 100_000;

    private final int capacity;
    private final Duration refillPeriod;
    private final TimeMeter time;
    private final Cache<String, Bucket> buckets;

    public TokenBuckets(int capacity, double refillPerSecond, Clock clock) {
        this.capacity = capacity;
        // the whole capacity per period: Bucket4j refills greedily, a token at a time, at exactly that rate
        this.refillPeriod = Duration.ofNanos(Math.max(1, Math.round(capacity / refillPerSecond * 1e9)));
        this.time = new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                return clock.millis() * 1_000_000L;
            }

            @Override
            public boolean isWallClockBased() {
                return true;
            }
        };
        this.buckets = Caffeine.newBuilder()
                .maximumSize(MAX_CALLERS)
                .expireAfterAccess(refillPeriod)
                .build();
    }

    /** 0 if a token was taken, else how many milliseconds until the next one. */
    public long tryTake(String caller) {
        ConsumptionProbe probe = buckets.get(caller, c -> newBucket()).tryConsumeAndReturnRemaining(1);
        return probe.isConsumed() ? 0 : Math.max(1, (probe.getNanosToWaitForRefill() + 999_999) / 1_000_000);
    }

    private Bucket newBucket() {
        return Bucket.builder()
                .addLimit(limit -> limit.capacity(capacity).refillGreedy(capacity, refillPeriod))
                .withCustomTimePrecision(time)
                .build();
    }
}
