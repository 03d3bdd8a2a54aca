package org.agentplatform.ingest.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

class TokenBucketsTest {

    private final AtomicLong millis = new AtomicLong(1_000_000);
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }
    };

    @Test
    void aBurstUpToCapacityThenTheRefillRate() {
        TokenBuckets buckets = new TokenBuckets(3, 2, clock);
        assertThat(buckets.tryTake("a")).isZero();
        assertThat(buckets.tryTake("a")).isZero();
        assertThat(buckets.tryTake("a")).isZero();
        assertThat(buckets.tryTake("a")).isEqualTo(500);
        assertThat(buckets.tryTake("b")).as("per caller").isZero();

        millis.addAndGet(400);
        assertThat(buckets.tryTake("a")).isBetween(99L, 101L);
        millis.addAndGet(200);
        assertThat(buckets.tryTake("a")).isZero();

        millis.addAndGet(60_000);
        for (int i = 0; i < 3; i++) {
            assertThat(buckets.tryTake("a")).as("never more than the capacity").isZero();
        }
        assertThat(buckets.tryTake("a")).isPositive();
    }
}
