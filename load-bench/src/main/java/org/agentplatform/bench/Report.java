package org.agentplatform.bench;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** summary.md plus two PNG charts in the report folder. */
final class Report {

    private Report() {
    }

    static String write(RunData d, Path dir) throws IOException {
        Files.createDirectories(dir);
        charts(d, dir);
        String md = markdown(d);
        Files.writeString(dir.resolve("summary.md"), md);
        return md;
    }

    static String markdown(RunData d) {
        StringBuilder s = new StringBuilder("# Pipeline benchmark\n\n");
        s.append("Machine: ").append(d.machine()).append(". PostgreSQL ").append(d.postgresVersion())
                .append(" (fsync and synchronous_commit on), Kafka broker, all workers and the ingest service in one JVM")
                .append(" (").append(Runtime.getRuntime().maxMemory() >> 20).append(" MiB max heap for all of them together).")
                .append(" Mode: ").append(d.options().quick() ? "--quick" : "default").append(", ")
                .append(d.options().stepSeconds()).append(" s per step, ").append(d.options().accounts())
                .append(" accounts (").append(d.options().hotAccounts()).append(" hot), ")
                .append(Math.round(d.options().httpShare() * 100)).append("% of commands over HTTP, the rest straight to Kafka.\n\n");
        StepResult best = d.best();
        NaiveBaseline.Result naive = d.naive();
        PgBench.Result pg1 = d.pgbench(1);
        PgBench.Result pg100 = d.pgbench(PgBench.BATCH);
        s.append("## Headline\n\n");
        if (best == null) {
            s.append("- No step was sustainable.\n");
        } else {
            s.append(String.format("- Highest sustainable rate: **%,d commands/s** target, %,.0f applied/s; publish to commit p50 %.0f ms, p99 %.0f ms, max %.0f ms%n",
                    best.targetRate(), best.appliedPerSec(), best.kafkaE2e().p50(), best.kafkaE2e().p99(), best.kafkaE2e().max()));
            if (naive != null) {
                s.append(String.format("- vs naive consumer (one transaction per message, closed drain): %,.0f/s, ratio **%.1fx**%n",
                        naive.perSecond(), best.appliedPerSec() / naive.perSecond()));
            }
            if (pg100 != null) {
                s.append(String.format("- vs pgbench batched (100 transfers/tx, 1 client%s): %,.0f transfers/s, pipeline reaches **%.0f%%** of it%n",
                        pg100.pipelined() ? ", pipelined" : "", pg100.transfersPerSecond(), 100 * best.appliedPerSec() / pg100.transfersPerSecond()));
            }
            if (pg1 != null) {
                s.append(String.format("- vs pgbench one transfer/tx (1 client): %,.0f transfers/s, ratio %.1fx%n",
                        pg1.transfersPerSecond(), best.appliedPerSec() / pg1.transfersPerSecond()));
            }
        }
        s.append("\n## Steps (open loop)\n\n");
        s.append("| target/s | offered/s | accepted/s | applied/s | backlog start → end | e2e Kafka p50/p99/max ms | e2e HTTP p50/p99 ms | commit→audit p50/p99 ms | failed | CPU jvm/pg/box cores | RSS jvm / PSS pg MiB | sustainable |\n");
        s.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|\n");
        for (StepResult r : d.steps()) {
            s.append(String.format("| %,d | %,.0f | %,.0f | %,.0f | %,d → %,d | %s / %.0f | %s | %s | %,d | %.2f / %.2f / %.2f | %d / %d | %s |%n",
                    r.targetRate(), r.scheduled() / r.seconds(), r.acceptedPerSec(), r.appliedPerSec(), r.backlogStart(), r.backlogEnd(),
                    r.kafkaE2e().p50p99(), r.kafkaE2e().max(), r.httpE2e().p50p99(), r.audit().p50p99(), r.failed(),
                    r.jvmCores(), r.pgCores(), r.machineCores(), r.jvmRssMax() >> 20, r.pgPssMax() >> 20,
                    r.sustainable() ? "yes" : "**no**"));
        }
        s.append("\n## Baselines (same run, same servers)\n\n| baseline | transfers/s |\n|---|---:|\n");
        if (naive != null) {
            s.append(String.format("| naive ledger consumer, max.poll.records=1, drain of %,d transfers | %,.0f |%n",
                    naive.transfers(), naive.perSecond()));
        }
        for (PgBench.Result r : d.pgbench()) {
            s.append(String.format("| pgbench, %d transfer(s)/transaction, %d client(s)%s (%.0f tps) | %,.0f |%n",
                    r.transfersPerTx(), r.clients(), r.pipelined() ? ", pipelined" : "", r.tps(), r.transfersPerSecond()));
        }
        s.append(String.format("%n## Accounting%n%nScheduled %,d; accepted %,d; failed %,d (of which HTTP shed %,d); not applied when the run ended: %,d.%n",
                d.scheduled(), d.accepted(), d.failed(), d.httpShed(), d.unappliedAtEnd()));
        s.append("Outcomes since the first step: ").append(d.outcomes()).append(".\n");
        if (!d.httpErrors().isEmpty()) {
            s.append("HTTP failures by status (-1: no response): ").append(d.httpErrors()).append(".\n");
        }
        if (!d.notes().isEmpty()) {
            s.append("\n## Notes\n\n");
            d.notes().forEach(n -> s.append("- ").append(n).append('\n'));
        }
        s.append("""

                ## How to read it

                - Open loop: commands are scheduled at the target rate whatever the system answers; latency runs from the
                  scheduled send time (carried in the command id and the envelope's occurredAt) to the processed_at the worker
                  writes in the transaction of the effect. Late sends therefore count against the system.
                - Sustainable: offered (scheduled by the generator) ≥ 95% of the target, accepted ≥ 98% of offered,
                  backlog (accepted − applied) grew by less than half a second of traffic over the step, applied/s
                  within 5% of the target. A short unmeasured warm-up step runs first.
                - CPU in cores (1.0 = one core busy): jvm = this JVM (broker, workers, ingest, generator), pg = the PostgreSQL
                  process tree, box = the whole machine, including anything else running on it.
                - Charts: rate-latency.png (target vs applied rate, p50/p99), lag.png (backlog over time, step starts marked).
                """);
        return s.toString();
    }

    private static void charts(RunData d, Path dir) throws IOException {
        List<StepResult> st = d.steps();
        double[] target = st.stream().mapToDouble(StepResult::targetRate).toArray();
        new LineChart("Publish-to-commit latency vs offered rate", "target rate (commands/s)", "latency (ms)")
                .add("p50", new Color(30, 120, 200), target, st.stream().mapToDouble(r -> r.kafkaE2e().p50()).toArray())
                .add("p99", new Color(220, 80, 40), target, st.stream().mapToDouble(r -> r.kafkaE2e().p99()).toArray())
                .add("commit->audit p99", new Color(120, 120, 120), target, st.stream().mapToDouble(r -> r.audit().p99()).toArray())
                .write(dir.resolve("rate-latency.png"));
        new LineChart("Applied vs offered rate", "target rate (commands/s)", "commands/s")
                .add("target", Color.GRAY, target, target)
                .add("applied", new Color(30, 150, 60), target, st.stream().mapToDouble(StepResult::appliedPerSec).toArray())
                .write(dir.resolve("rate-throughput.png"));
        List<Sampler.Sample> sm = d.samples();
        double[] t = sm.stream().mapToDouble(Sampler.Sample::t).toArray();
        LineChart lag = new LineChart("Backlog (accepted - applied) over time", "seconds", "commands")
                .add("backlog", new Color(200, 60, 60), t, sm.stream().mapToDouble(Sampler.Sample::backlog).toArray());
        d.stepStarts().forEach(lag::marker);
        lag.write(dir.resolve("lag.png"));
    }
}
