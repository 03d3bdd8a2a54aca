package org.agentplatform.bench;

import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/** Everything the report needs from one run. Baselines are null when they failed; {@code notes} says why. */
record RunData(BenchOptions options, String machine, String postgresVersion, List<String> processes,
               List<StepResult> steps,
               List<Sampler.Sample> samples, List<Double> stepStarts, long scheduled, long accepted, long failed,
               long httpShed, long unappliedAtEnd, Map<String, Long> outcomes, Map<Integer, Long> httpErrors,
               NaiveBaseline.@Nullable Result naive, List<PgBench.Result> pgbench, List<Profiles.Profile> profiles,
               List<String> notes) {

    /** The highest target rate whose step was sustainable end to end (audit log included), or null. */
    @Nullable StepResult best() {
        return steps.stream().filter(StepResult::sustainable).reduce((a, b) -> b.targetRate() > a.targetRate() ? b : a)
                .orElse(null);
    }

    /** The highest target rate at which the workers applied the commands as fast as they came, or null. */
    @Nullable StepResult bestApplied() {
        return steps.stream().filter(StepResult::commandsKeepUp)
                .reduce((a, b) -> b.targetRate() > a.targetRate() ? b : a).orElse(null);
    }

    /** pgbench with each transfer's statements, {@code perTx} transfers per transaction, one client. */
    PgBench.@Nullable Result pgbench(int perTx) {
        return pgbench.stream().filter(r -> r.transfersPerTx() == perTx && !r.setBased() && r.clients() == 1)
                .findFirst().orElse(null);
    }

    /** pgbench with the batch in set-based statements, with {@code clients} clients. */
    PgBench.@Nullable Result pgbenchSetBased(int clients) {
        return pgbench.stream().filter(r -> r.setBased() && r.clients() == clients).findFirst().orElse(null);
    }
}
