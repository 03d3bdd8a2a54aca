package org.agentplatform.embedded;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
        try {
            String stat = new String(Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "stat")),
                    StandardCharsets.UTF_8);
            int end = stat.lastIndexOf(')');
            if (end > 0 && end + 2 < stat.length()) {
                char state = stat.charAt(end + 2);
                return state != 'Z' && state != 'X';
            }
            return true;
        } catch (IOException e) {
            // no /proc entry: gone (or not Linux, where isAlive is all we know)
            return process.isAlive() && !Files.isDirectory(Path.of("/proc"));
        }
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
