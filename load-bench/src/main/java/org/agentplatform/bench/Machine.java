package org.agentplatform.bench;

import java.nio.file.Files;
import java.nio.file.Path;

/** A one-line description of the hardware, for the report: figures mean nothing without it. */
final class Machine {

    private Machine() {
    }

    static String describe() {
        String cpu = "unknown CPU";
        long memMb = 0;
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse(cpu);
            memMb = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal:"))
                    .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", "")) / 1024).findFirst().orElse(0);
        } catch (Exception e) {
            // not Linux: keep what we have
        }
        return String.format("%d cores (%s), %,d MiB RAM, %s %s, Java %s", Runtime.getRuntime().availableProcessors(), cpu,
                memMb, System.getProperty("os.name"), System.getProperty("os.version"), System.getProperty("java.version"));
    }
}
