package org.agentplatform.bench;

import java.util.Map;

/**
 * One open-loop step and what the system did with it.
 *
 * @param cores      CPU of each process over the step, in cores: its CPU time at the step's end minus at its
 *                   start, of the processes (and PostgreSQL backends) alive at both ends; none for a process that
 *                   started or restarted during the step
 * @param jitCores   of which the JIT compiler threads of each JVM
 * @param memoryMax  peak RSS of each JVM (PSS of PostgreSQL's tree) over the step, bytes
 * @param lagStart   Kafka consumer-group lag at the step's start
 * @param auditDelayStart how far the audit log trailed the newest commit at the step's start, seconds
 */
record StepResult(int targetRate, double seconds, long scheduled, long accepted, long failed, double acceptedPerSec,
                  double appliedPerSec, long backlogStart, long backlogEnd, Latency kafkaE2e, Latency httpE2e,
                  Latency audit, Map<String, Double> cores, Map<String, Double> jitCores, Map<String, Long> memoryMax, double machineCores,
                  ConsumerLag.Lag lagStart, ConsumerLag.Lag lagEnd, long slotLagEnd, double auditDelayStart,
                  double auditDelayEnd) {

    long backlogGrowth() {
        return backlogEnd - backlogStart;
    }

    /**
     * The workers kept up: the generator offered the load (at least 95% of target × duration), Kafka accepted it,
     * the backlog of accepted but unapplied commands (the workers' Kafka lag) grew by less than half a second's worth, and the applied rate
     * kept up with the target within 5%.
     */
    boolean commandsKeepUp() {
        return scheduled >= 0.95 * targetRate * seconds // the generator itself kept up with the schedule
                && accepted >= 0.98 * scheduled
                && backlogGrowth() <= Math.max(200, 0.5 * targetRate)
                && appliedPerSec >= 0.95 * targetRate;
    }

    /** The audit log kept up: it trailed the newest commit by under 5 s at the end, and by at most 1 s more than at the start. */
    boolean auditKeepsUp() {
        return auditDelayEnd < 5 && auditDelayEnd <= auditDelayStart + 1;
    }

    /** Sustainable end to end: the commands are applied and their changes reach the audit log as fast as they come. */
    boolean sustainable() {
        return commandsKeepUp() && auditKeepsUp();
    }
}
