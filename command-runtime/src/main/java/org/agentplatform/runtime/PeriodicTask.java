package org.agentplatform.runtime;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The platform's one way to run a periodic pass (sweeps, relays, rescues): every instance runs it on its own
 * thread at a fixed delay, started and stopped with the context (so a test can stop one instance's passes).
 * Passes must be safe to run concurrently across instances. A pass that throws is logged and the next one
 * retries: one failure never ends the schedule.
 */
public abstract class PeriodicTask implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(PeriodicTask.class);

    private final String threadName;
    private final Duration initialDelay;
    private final Duration interval;
    private @Nullable ScheduledExecutorService scheduler;

    /** The first pass one {@code interval} after start. */
    protected PeriodicTask(String threadName, Duration interval) {
        this(threadName, interval, interval);
    }

    protected PeriodicTask(String threadName, Duration initialDelay, Duration interval) {
        if (interval.isNegative() || interval.isZero() || initialDelay.isNegative()) {
            throw new IllegalArgumentException(threadName + ": the interval must be positive and the initial delay "
                    + "not negative, not " + interval + " and " + initialDelay);
        }
        this.threadName = threadName;
        this.initialDelay = initialDelay;
        this.interval = interval;
    }

    /** One pass. */
    protected abstract void runPass();

    /** Resources the pass needs, opened on start. */
    protected void opened() {
    }

    /** Closed on stop, after the last pass ended. */
    protected void closed() {
    }

    @Override
    public synchronized void start() {
        opened();
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(this::safePass, initialDelay.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private void safePass() {
        // whatever escapes here would cancel every later run, silently: a scheduled executor keeps it in a future
        try {
            runPass();
        } catch (RuntimeException e) {
            log.warn("{}: pass failed, retrying on the next one: {}", threadName, e.toString());
        } catch (Error e) {
            log.error("{}: pass failed with an error, retrying on the next one", threadName, e);
        }
    }

    @Override
    public synchronized void stop() {
        if (scheduler != null) {
            scheduler.shutdownNow();
            try {
                scheduler.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            scheduler = null;
            closed();
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return scheduler != null;
    }
}
