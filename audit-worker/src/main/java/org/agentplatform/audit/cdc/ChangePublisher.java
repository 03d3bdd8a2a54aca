package org.agentplatform.audit.cdc;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.apache.kafka.connect.source.SourceRecord;
import org.jspecify.annotations.Nullable;
import org.springframework.kafka.core.KafkaTemplate;

/**
 * Publishes each batch the engine hands over: every routed record is sent without waiting, then one flush
 * and one wait for all acknowledgements, and only then are the batch's records marked processed (which
 * lets their offsets be saved). If any send fails the batch is not marked and the engine is stopped, to be
 * restarted from the saved offsets: changes are delivered at least once, never lost.
 */
class ChangePublisher implements DebeziumEngine.ChangeConsumer<RecordChangeEvent<SourceRecord>> {

    private final ChangeRouter router;
    private final KafkaTemplate<String, byte[]> kafka;
    private final Duration publishTimeout;
    private final Clock clock;
    private final Counter events;
    private final Counter auditChanges;
    private final Timer lag;
    private final Timer batchTime;
    /** Commit time of the newest streamed change the engine handed over, heartbeats included. */
    private volatile @Nullable Instant lastCommitTime;
    /** Guards {@link #draining} and {@link #inFlight}. */
    private final Object gate = new Object();
    private boolean draining;
    private int inFlight;

    ChangePublisher(ChangeRouter router, KafkaTemplate<String, byte[]> kafka, Duration publishTimeout, Clock clock,
                    MeterRegistry meters) {
        this.router = router;
        this.kafka = kafka;
        this.publishTimeout = publishTimeout;
        this.clock = clock;
        this.events = meters.counter("audit.cdc.published", "kind", "event");
        this.auditChanges = meters.counter("audit.cdc.published", "kind", "audit");
        this.lag = Timer.builder("audit.cdc.lag")
                .description("commit of a change to its acknowledgement by Kafka")
                .publishPercentiles(0.5, 0.99).register(meters);
        this.batchTime = Timer.builder("audit.cdc.batch").description("publishing one engine batch").register(meters);
    }

    @Override
    public void handleBatch(List<RecordChangeEvent<SourceRecord>> records,
                            DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException {
        synchronized (gate) {
            while (draining) {
                gate.wait(); // a clean stop is under way: send nothing more; the engine's close() interrupts this wait
            }
            inFlight++;
        }
        try {
            publish(records, committer);
        } finally {
            synchronized (gate) {
                inFlight--;
                gate.notifyAll();
            }
        }
    }

    /**
     * For a clean stop: takes no further batch and waits up to {@code timeout} for the one being published to be
     * acknowledged and marked processed, so that the engine's close stores its offsets instead of interrupting it
     * (which would deliver it again after the restart). True when nothing is in flight any more.
     */
    boolean drain(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (gate) {
            draining = true;
            while (inFlight > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(gate, left);
            }
            return true;
        }
    }

    /** Takes batches again (a stopped engine is started again). */
    void resume() {
        synchronized (gate) {
            draining = false;
            gate.notifyAll();
        }
    }

    private void publish(List<RecordChangeEvent<SourceRecord>> records,
                         DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
            throws InterruptedException {
        long started = System.nanoTime();
        List<CompletableFuture<?>> sends = new ArrayList<>(records.size());
        Instant newestStreamed = null;
        int eventCount = 0;
        int auditCount = 0;
        try {
            for (RecordChangeEvent<SourceRecord> record : records) {
                Optional<ChangeRouter.Route> route = router.route(record.record());
                if (route.isEmpty()) {
                    Optional<Instant> committed = router.commitTimeOf(record.record());
                    if (committed.isPresent() && (newestStreamed == null || committed.get().isAfter(newestStreamed))) {
                        newestStreamed = committed.get();
                    }
                    continue;
                }
                ChangeRouter.Route r = route.get();
                CompletableFuture<?> send = kafka.send(r.record());
                sends.add(send);
                if (send.isCompletedExceptionally()) {
                    break; // e.g. no metadata for the topic: do not wait that out for every record
                }
                if (r.kind() == ChangeRouter.Route.Kind.EVENT) {
                    eventCount++;
                } else {
                    auditCount++;
                }
                if (!r.snapshot() && (newestStreamed == null || r.sourceTime().isAfter(newestStreamed))) {
                    newestStreamed = r.sourceTime();
                }
            }
        } catch (RuntimeException e) {
            throw new PublishFailedException("could not route or send a change; the batch will be replayed", e);
        }
        if (!sends.isEmpty()) {
            kafka.flush();
            awaitAll(sends);
        }
        for (RecordChangeEvent<SourceRecord> record : records) {
            committer.markProcessed(record);
        }
        committer.markBatchFinished();

        events.increment(eventCount);
        auditChanges.increment(auditCount);
        if (newestStreamed != null) {
            lag.record(Duration.between(newestStreamed, clock.instant()));
            Instant last = lastCommitTime;
            if (last == null || newestStreamed.isAfter(last)) {
                lastCommitTime = newestStreamed;
            }
        }
        batchTime.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    }

    /** Commit time of the newest change published (or skipped, like heartbeats); null before the first. */
    @Nullable Instant lastCommitTime() {
        return lastCommitTime;
    }

    /**
     * How far the engine is behind: now minus the commit time of the newest change it handled. With the
     * heartbeat action query on, an idle database keeps this below about one heartbeat interval.
     */
    @Nullable Duration engineLag() {
        Instant last = lastCommitTime;
        return last == null ? null : Duration.between(last, clock.instant());
    }

    private void awaitAll(List<CompletableFuture<?>> sends) throws InterruptedException {
        try {
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new))
                    .get(publishTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new PublishFailedException("Kafka did not acknowledge the batch; it will be replayed", e.getCause());
        } catch (TimeoutException e) {
            throw new PublishFailedException("Kafka did not acknowledge the batch within " + publishTimeout
                    + "; it will be replayed", e);
        }
    }

    /**
     * Stops the engine without marking the batch. Deliberately not a Kafka Connect
     * {@code RetriableException}: the engine would then retry by polling the next batch, skipping this one.
     */
    static final class PublishFailedException extends RuntimeException {
        PublishFailedException(String message, @Nullable Throwable cause) {
            super(message, cause);
        }
    }
}
