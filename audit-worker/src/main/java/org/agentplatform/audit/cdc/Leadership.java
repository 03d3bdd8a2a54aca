package org.agentplatform.audit.cdc;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides when this instance may run the CDC engine: while it holds the {@link LeaderLock}. A standby tries the
 * lock every {@code retryInterval}. While an engine run is under way, a watchdog checks the lock's session every
 * {@code checkInterval} and stops the run as soon as the session is gone, because the successor may already be
 * starting; the engine then asks again, as a standby. The lock is held until {@link #release()}, also while the
 * engine restarts after a failure.
 */
final class Leadership {

    private static final Logger log = LoggerFactory.getLogger(Leadership.class);

    private final LeaderLock lock;
    private final Duration retryInterval;
    private final Duration checkInterval;
    private final Object wakeUp = new Object();
    /** Guarded by {@link #wakeUp}; remembers a {@link #wake()} that came before the wait it is meant to end. */
    private boolean woken;
    private @Nullable ScheduledExecutorService watchdog;

    Leadership(LeaderLock lock, Duration retryInterval, Duration checkInterval) {
        this.lock = lock;
        this.retryInterval = retryInterval;
        this.checkInterval = checkInterval;
    }

    /** This instance's name ({@code platform.audit.instance-id}). */
    String instanceId() {
        return lock.instanceId();
    }

    /** Whether this instance leads: it holds the lock and the lock's session is alive. */
    boolean leads() {
        return lock.isHeld();
    }

    /** The instance that leads, as far as this one knows (see {@link LeaderLock#leader()}). */
    Optional<String> leader() {
        return lock.leader();
    }

    /**
     * Starts the watchdog over the engine run that {@code current} gives (null while none runs): when the lock is
     * lost during a run, {@code depose} is called with it, once.
     */
    <R> void start(Supplier<R> current, Consumer<R> depose) {
        synchronized (wakeUp) {
            woken = false;
        }
        watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "audit-cdc-leader-watchdog");
            t.setDaemon(true);
            return t;
        });
        long every = checkInterval.toMillis();
        watchdog.scheduleWithFixedDelay(new Watch<>(current, depose), every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * Blocks until this instance leads (true), or until {@code wanted} is false or the thread is interrupted
     * (false). {@code standingBy} runs each time another instance holds the lock; the lock logs who leads whenever
     * that changes.
     */
    boolean await(BooleanSupplier wanted, Runnable standingBy) {
        while (wanted.getAsBoolean()) {
            if (lock.tryAcquire()) {
                return true;
            }
            standingBy.run();
            if (!pause(retryInterval)) {
                return false;
            }
        }
        return false;
    }

    /** Ends a standby's wait at once, for a stop: the caller has made {@code wanted} false. */
    void wake() {
        synchronized (wakeUp) {
            woken = true;
            wakeUp.notifyAll();
        }
    }

    /** Stops the watchdog; the lock stays held until {@link #release()}. */
    void stopWatching() {
        if (watchdog != null) {
            watchdog.shutdownNow();
        }
    }

    /** Gives the lock up (its session ends, which releases it). */
    void release() {
        lock.release();
    }

    /** False when interrupted. */
    private boolean pause(Duration interval) {
        synchronized (wakeUp) {
            try {
                if (!woken) {
                    wakeUp.wait(interval.toMillis());
                }
                return true;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } finally {
                woken = false;
            }
        }
    }

    private final class Watch<R> implements Runnable {

        private final Supplier<R> current;
        private final Consumer<R> depose;
        /** Only touched by the watchdog thread. */
        private @Nullable R deposed;

        Watch(Supplier<R> current, Consumer<R> depose) {
            this.current = current;
            this.depose = depose;
        }

        @Override
        public void run() {
            // whatever escaped would cancel every later check, silently (as PeriodicTask guards its passes)
            try {
                check();
            } catch (RuntimeException | Error e) {
                log.error("Leadership check failed; checking again in the next interval", e);
            }
        }

        private void check() {
            R run = current.get();
            if (run == null || run == deposed || lock.isHeld()) {
                return;
            }
            deposed = run; // once: stopping takes a while, and the engine refuses a second close
            log.warn("Instance {} stops its CDC engine: it no longer leads; it becomes a standby", lock.instanceId());
            depose.accept(run);
        }
    }
}
