package org.agentplatform.jobs.lifecycle;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.springframework.context.SmartLifecycle;

/**
 * A pass that every instance runs on its own thread at a fixed delay, started and stopped with the
 * context (so a test can stop one instance's passes). Passes are safe to run concurrently across
 * instances; each catches its own failures and the next pass retries.
 */
abstract class PeriodicTask implements SmartLifecycle {

    private final String threadName;
    private final Duration interval;
    private ScheduledExecutorService scheduler;

    PeriodicTask(String threadName, Duration interval) {
        this.threadName = threadName;
        this.interval = interval;
    }

    /** One pass. */
    abstract void runPass();

    /** Resources the pass needs, opened on start. */
    void opened() {
    }

    /** Closed on stop, after the last pass ended. */
    void closed() {
    }

    @Override
    public synchronized void start() {
        opened();
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        long millis = interval.toMillis();
        scheduler.scheduleWithFixedDelay(this::runPass, millis, millis, TimeUnit.MILLISECONDS);
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
