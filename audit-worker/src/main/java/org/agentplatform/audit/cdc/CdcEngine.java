package org.agentplatform.audit.cdc;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import org.agentplatform.audit.AuditProperties;
import org.apache.kafka.connect.source.SourceRecord;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Runs the Debezium engine on its own thread for the life of the application, and restarts it with
 * backoff when it fails (database or broker unreachable, a batch that could not be published). A restart
 * resumes from the offsets in {@code cdc_offsets}, so a failed batch is replayed, not lost.
 *
 * <p>Several workers may run: {@link Leadership} decides when this one may run the engine, and stops it when
 * this instance no longer leads; it then waits as a standby again. A new leader resumes from the offsets in
 * {@code cdc_offsets}; before each start {@link SlotRecovery} decides how (a lost slot is a GAP, an interrupted
 * snapshot is taken again from the slot).
 *
 * <p>A clean {@link #stop()} lets the batch in flight finish first, so that its offsets are stored.
 */
class CdcEngine implements SmartLifecycle {

    /** What the engine is doing, for health and tests. */
    enum State {
        STOPPED,
        /** Another instance leads; retrying the leader lock. */
        STANDBY,
        STARTING,
        /** The connector task has started: the replication slot exists and every later commit is captured. */
        RUNNING,
        /** Failed; waiting out the backoff before the next start. */
        RESTARTING
    }

    private static final Logger log = LoggerFactory.getLogger(CdcEngine.class);

    private final Properties engineProperties;
    private final ChangePublisher consumer;
    private final AuditProperties settings;
    private final Clock clock;
    private final Leadership leadership;
    private final SlotRecovery recovery;
    private final Object lock = new Object();

    private @Nullable ExecutorService executor;
    /** Set by {@link #halt()}: this instance behaves as if its process had died. */
    private volatile boolean halted;
    private @Nullable DebeziumEngine<RecordChangeEvent<SourceRecord>> engine;
    private boolean running;
    private volatile State state = State.STOPPED;
    private volatile @Nullable Throwable lastFailure;
    private volatile @Nullable Instant lastFailureAt;
    private volatile long restarts;

    CdcEngine(Properties engineProperties, ChangePublisher consumer, AuditProperties settings, Clock clock,
              Leadership leadership, SlotRecovery recovery) {
        this.engineProperties = engineProperties;
        this.consumer = consumer;
        this.settings = settings;
        this.clock = clock;
        this.leadership = leadership;
        this.recovery = recovery;
    }

    @Override
    public boolean isAutoStartup() {
        return settings.enabled();
    }

    @Override
    public void start() {
        synchronized (lock) {
            if (running) {
                return;
            }
            running = true;
            state = State.STARTING;
            consumer.resume();
            executor = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "audit-cdc-engine");
                t.setDaemon(true);
                return t;
            });
            executor.execute(this::supervise);
            leadership.start(this::currentEngine, CdcEngine::closeQuietly);
        }
    }

    private @Nullable DebeziumEngine<?> currentEngine() {
        synchronized (lock) {
            return engine;
        }
    }

    /**
     * For fault tests: from now on this instance neither leads nor retries, as if its process had died. The
     * caller kills its database sessions (leader lock, replication, offset store), so that the engine dies
     * without a clean offset flush, as it would in a crash.
     */
    void halt() {
        halted = true;
        synchronized (lock) {
            lock.notifyAll();
        }
        leadership.wake();
    }

    @Override
    public void stop() {
        DebeziumEngine<?> current;
        ExecutorService supervisor;
        synchronized (lock) {
            if (!running) {
                return;
            }
            running = false;
            current = engine;
            supervisor = Objects.requireNonNull(executor, "start() set it");
            lock.notifyAll(); // wake a supervisor waiting out a backoff
        }
        leadership.wake(); // or waiting as a standby
        if (current != null) {
            drain();
            closeQuietly(current); // stops the tasks and saves the processed offsets
        }
        leadership.stopWatching();
        supervisor.shutdown();
        try {
            if (!supervisor.awaitTermination(60, TimeUnit.SECONDS)) {
                log.warn("CDC engine thread did not stop within 60 s");
                supervisor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            supervisor.shutdownNow();
        }
        leadership.release();
        state = State.STOPPED;
    }

    /** Lets the batch being published finish, so that its offsets are saved rather than it being sent again. */
    private void drain() {
        Duration timeout = settings.publishTimeout().plusSeconds(5);
        try {
            if (!consumer.drain(timeout)) {
                log.warn("The CDC batch in flight was not acknowledged within {}; stopping anyway (it will be sent "
                        + "again after the restart)", timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(DebeziumEngine<?> engine) {
        try {
            engine.close();
        } catch (IOException | RuntimeException e) {
            log.warn("Closing the CDC engine failed", e);
        }
    }

    @Override
    public boolean isRunning() {
        synchronized (lock) {
            return running;
        }
    }

    String slotName() {
        return engineProperties.getProperty("slot.name");
    }

    State state() {
        return state;
    }

    @Nullable Throwable lastFailure() {
        return lastFailure;
    }

    @Nullable Instant lastFailureAt() {
        return lastFailureAt;
    }

    long restarts() {
        return restarts;
    }

    private void supervise() {
        Duration backoff = settings.restartBackoff();
        while (true) {
            if (!leadership.await(this::wanted, () -> state = State.STANDBY)) {
                return;
            }
            synchronized (lock) {
                if (!running || halted) {
                    return;
                }
                state = State.STARTING;
            }
            SlotRecovery.Start start;
            try {
                start = recovery.recoverIfNeeded();
            } catch (java.sql.SQLException | RuntimeException e) {
                // the engine must not start on a lost slot: it would skip the lost changes silently
                log.error("Checking the replication slot failed; retrying in {}", backoff, e);
                lastFailure = e;
                lastFailureAt = clock.instant();
                state = State.RESTARTING;
                synchronized (lock) {
                    try {
                        lock.wait(backoff.toMillis());
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                backoff = min(backoff.multipliedBy(2), settings.maxRestartBackoff());
                continue;
            }
            Outcome outcome = new Outcome();
            DebeziumEngine<RecordChangeEvent<SourceRecord>> current;
            synchronized (lock) {
                if (!running || halted) {
                    return;
                }
                current = build(outcome, start);
                engine = current;
            }
            try {
                current.run(); // blocks until the engine stops
            } catch (RuntimeException e) {
                outcome.failure = e;
            }
            synchronized (lock) {
                engine = null;
                if (!running || halted) {
                    return; // stopped by us
                }
                if (!leadership.leads()) {
                    // Leadership stopped it: not a failure, go back to being a candidate
                    state = State.STANDBY;
                    continue;
                }
                // stopped on its own: a failure, or a connector that gave up
                Throwable failure = outcome.failure != null ? outcome.failure
                        : new IllegalStateException("CDC engine stopped: " + outcome.message);
                lastFailure = failure;
                lastFailureAt = clock.instant();
                restarts++;
                state = State.RESTARTING;
                if (outcome.started) {
                    backoff = settings.restartBackoff(); // it ran: start the backoff over
                }
                log.error("CDC engine stopped unexpectedly; restarting in {}", backoff, failure);
                try {
                    lock.wait(backoff.toMillis()); // stop() wakes it
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoff = min(backoff.multipliedBy(2), settings.maxRestartBackoff());
                if (running) {
                    state = State.STARTING;
                }
            }
        }
    }

    /** Whether the engine is to run: started, and not halted. */
    private boolean wanted() {
        synchronized (lock) {
            return running && !halted;
        }
    }

    private DebeziumEngine<RecordChangeEvent<SourceRecord>> build(Outcome outcome, SlotRecovery.Start start) {
        Properties copy = new Properties();
        copy.putAll(engineProperties);
        if (start == SlotRecovery.Start.SNAPSHOT_FROM_SLOT && "initial".equals(copy.getProperty("snapshot.mode"))) {
            copy.setProperty("snapshot.mode", "custom");
            copy.setProperty("snapshot.mode.custom.name", SnapshotFromSlot.NAME);
        }
        // the records as Kafka Connect structs: the router reads them directly, no JSON string in between
        return DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
                .using(copy) // before notifying(): the builder reads the properties there
                .using(getClass().getClassLoader())
                .notifying(consumer)
                .using(new DebeziumEngine.ConnectorCallback() {
                    @Override
                    public void taskStarted() {
                        // the replication slot exists from here on: every later commit will be captured
                        outcome.started = true;
                        state = State.RUNNING;
                        log.info("CDC engine of instance {} running (slot {})", leadership.instanceId(),
                                engineProperties.getProperty("slot.name"));
                    }
                })
                .using((success, message, error) -> {
                    outcome.message = message;
                    if (!success && outcome.failure == null) {
                        outcome.failure = error != null ? error : new IllegalStateException(message);
                    }
                })
                .build();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** How one engine run ended; written by the engine's callbacks, read after run() returned. */
    private static final class Outcome {
        volatile @Nullable Throwable failure;
        volatile @Nullable String message;
        volatile boolean started;
    }
}
