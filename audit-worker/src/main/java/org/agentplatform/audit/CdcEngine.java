package org.agentplatform.audit;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import io.debezium.engine.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;
import io.debezium.engine.format.KeyValueHeaderChangeEventFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Runs the Debezium engine on its own thread for the life of the application, and restarts it with
 * backoff when it fails (database or broker unreachable, a batch that could not be published). A restart
 * resumes from the offsets in {@code cdc_offsets}, so a failed batch is replayed, not lost.
 *
 * <p>Only one engine can stream from the replication slot at a time; a second worker's engine fails while
 * the slot is held and keeps retrying with backoff. That is not yet a proper standby (not tested, and two
 * workers starting together on an empty database could both snapshot): a leader lock belongs here.
 */
class CdcEngine implements SmartLifecycle {

    /** What the engine is doing, for health and tests. */
    enum State {
        STOPPED,
        STARTING,
        /** The connector task has started: the replication slot exists and every later commit is captured. */
        RUNNING,
        /** Failed; waiting out the backoff before the next start. */
        RESTARTING
    }

    private static final Logger log = LoggerFactory.getLogger(CdcEngine.class);

    private final Properties engineProperties;
    private final DebeziumEngine.ChangeConsumer<ChangeEvent<String, String>> consumer;
    private final AuditProperties settings;
    private final Clock clock;
    private final Object lock = new Object();

    private ExecutorService executor;
    private DebeziumEngine<ChangeEvent<String, String>> engine;
    private boolean running;
    private volatile State state = State.STOPPED;
    private volatile Throwable lastFailure;
    private volatile Instant lastFailureAt;
    private volatile long restarts;

    CdcEngine(Properties engineProperties, DebeziumEngine.ChangeConsumer<ChangeEvent<String, String>> consumer,
              AuditProperties settings, Clock clock) {
        this.engineProperties = engineProperties;
        this.consumer = consumer;
        this.settings = settings;
        this.clock = clock;
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
            executor = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "audit-cdc-engine");
                t.setDaemon(true);
                return t;
            });
            executor.execute(this::supervise);
        }
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
            supervisor = executor;
            lock.notifyAll(); // wake a supervisor waiting out a backoff
        }
        if (current != null) {
            try {
                current.close(); // stops the tasks and saves the processed offsets
            } catch (IOException e) {
                log.warn("Closing the CDC engine failed", e);
            }
        }
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
        state = State.STOPPED;
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

    Throwable lastFailure() {
        return lastFailure;
    }

    Instant lastFailureAt() {
        return lastFailureAt;
    }

    long restarts() {
        return restarts;
    }

    private void supervise() {
        Duration backoff = settings.restartBackoff();
        while (true) {
            Outcome outcome = new Outcome();
            DebeziumEngine<ChangeEvent<String, String>> current;
            synchronized (lock) {
                if (!running) {
                    return;
                }
                current = build(outcome);
                engine = current;
            }
            try {
                current.run(); // blocks until the engine stops
            } catch (RuntimeException e) {
                outcome.failure = e;
            }
            synchronized (lock) {
                engine = null;
                if (!running) {
                    return; // stopped by us
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

    private DebeziumEngine<ChangeEvent<String, String>> build(Outcome outcome) {
        Properties copy = new Properties();
        copy.putAll(engineProperties);
        return DebeziumEngine.create(KeyValueHeaderChangeEventFormat.of(Json.class, Json.class, Json.class))
                .using(copy) // before notifying(): the builder reads the properties there
                .using(getClass().getClassLoader())
                .notifying(consumer)
                .using(new DebeziumEngine.ConnectorCallback() {
                    @Override
                    public void taskStarted() {
                        // the replication slot exists from here on: every later commit will be captured
                        outcome.started = true;
                        state = State.RUNNING;
                        log.info("CDC engine running (slot {})", engineProperties.getProperty("slot.name"));
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
        volatile Throwable failure;
        volatile String message;
        volatile boolean started;
    }
}
