package org.agentplatform.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class PeriodicTaskTest {

    /** Fails every pass, the first ones with an Error, the rest with an exception. */
    static final class Failing extends PeriodicTask {

        final AtomicInteger passes = new AtomicInteger();

        Failing() {
            super("failing-task", Duration.ZERO, Duration.ofMillis(10));
        }

        @Override
        protected void runPass() {
            if (passes.incrementAndGet() <= 2) {
                throw new AssertionError("an error, not an exception");
            }
            throw new IllegalStateException("an exception");
        }
    }

    @Test
    void aPassThatThrowsAnythingDoesNotEndTheSchedule() {
        Failing task = new Failing();
        task.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> task.passes.get() >= 5);
            assertThat(task.isRunning()).isTrue();
        } finally {
            task.stop();
        }
        assertThat(task.isRunning()).isFalse();
    }
}
