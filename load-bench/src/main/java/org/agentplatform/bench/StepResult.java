package org.agentplatform.bench;

/**
 * One open-loop step. Sustainable: the generator offered the load (at least 95% of target × duration), the backlog grew by less than half a
 * second's worth of commands over the step, and the applied rate kept up with the target within 5%.
 */
record StepResult(int targetRate, double seconds, long scheduled, long accepted, long failed, double acceptedPerSec,
                  double appliedPerSec, long backlogStart, long backlogEnd, Latency kafkaE2e, Latency httpE2e,
                  Latency audit, double jvmCores, double pgCores, double machineCores, long jvmRssMax,
                  long pgPssMax) {

    long backlogGrowth() {
        return backlogEnd - backlogStart;
    }

    boolean sustainable() {
        return scheduled >= 0.95 * targetRate * seconds // the generator itself kept up with the schedule
                && accepted >= 0.98 * scheduled
                && backlogGrowth() <= Math.max(200, 0.5 * targetRate)
                && appliedPerSec >= 0.95 * targetRate;
    }
}
