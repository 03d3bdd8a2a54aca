package org.agentplatform.embedded;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Process liveness that treats zombies as gone (this machine's init reaps orphans only now and then). */
final class Processes {

    private Processes() {
    }

    /** True if {@code process} exists and is not a zombie. */
    static boolean isRunning(ProcessHandle process) {
        if (!process.isAlive()) {
            return false;
        }
        if (!Files.isDirectory(Path.of("/proc"))) {
            return true; // not Linux: isAlive is all we know
        }
        return ProcStat.stateOf(process.pid()).map(state -> state != 'Z' && state != 'X').orElse(false);
    }

    /** Polls until {@code process} is gone; true if it went within {@code timeout}. */
    static boolean awaitExit(ProcessHandle process, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (isRunning(process)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !isRunning(process);
            }
        }
        return true;
    }
}
