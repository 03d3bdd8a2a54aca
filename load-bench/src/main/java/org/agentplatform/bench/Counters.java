package org.agentplatform.bench;

import java.util.concurrent.atomic.LongAdder;

/**
 * Every command the generator schedules ends in exactly one of: acked (Kafka acknowledged it or the ingest
 * service answered 202), failed (an error or any other HTTP status), shed (HTTP only: too many requests already
 * in flight, so it was not sent at all), or is still in flight. Nothing is dropped without being counted.
 */
final class Counters {

    final LongAdder scheduled = new LongAdder();
    final LongAdder kafkaAcked = new LongAdder();
    final LongAdder kafkaFailed = new LongAdder();
    final LongAdder httpAcked = new LongAdder();
    final LongAdder httpFailed = new LongAdder();
    final LongAdder httpShed = new LongAdder();

    long accepted() {
        return kafkaAcked.sum() + httpAcked.sum();
    }

    long failed() {
        return kafkaFailed.sum() + httpFailed.sum() + httpShed.sum();
    }

    long inFlight() {
        return scheduled.sum() - accepted() - failed();
    }
}
