package org.agentplatform.bench;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jfree.chart.JFreeChart;

/** summary.md plus PNG charts in the report folder. */
final class Report {

    private static final Color[] PALETTE = {new Color(30, 120, 200), new Color(220, 80, 40), new Color(30, 150, 60),
            new Color(150, 60, 180), new Color(200, 160, 0), new Color(0, 160, 160), new Color(120, 120, 120),
            new Color(200, 60, 120)};

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
        BenchOptions o = d.options();
        StringBuilder s = new StringBuilder("# Pipeline benchmark\n\n");
        s.append("Machine: ").append(d.machine()).append(". PostgreSQL ").append(d.postgresVersion())
                .append(" (fsync and synchronous_commit on); a Kafka broker and ")
                .append(o.combined() ? "the four services (audit, ledger and job workers, ingest service) in one JVM"
                        + " (--combined, as the local run deploys them) with " + ProcessStack.COMBINED_HEAP
                        : "each service (audit, ledger and job workers, ingest service) in a JVM of its own with "
                        + ChildProcess.HEAP)
                .append("; the load generator in the benchmark's JVM. Mode: ").append(o.quick() ? "--quick" : "default")
                .append(", ").append(o.stepSeconds()).append(" s per step, ").append(String.format("%,d", o.accounts()))
                .append(" accounts (").append(o.hotAccounts()).append(" hot). Mix: ")
                .append(Math.round(100 * (1 - o.mix().claims() - o.mix().jobs()))).append("% karma transfers, ")
                .append(Math.round(100 * o.mix().claims())).append("% claim commands (submit + 3 votes), ")
                .append(Math.round(100 * o.mix().jobs())).append("% job commands (submit, lease, complete); ")
                .append(Math.round(o.httpShare() * 100)).append("% of all commands are transfers sent over HTTP,")
                .append(" the rest go straight to Kafka.\n\n");
        StepResult best = d.best();
        StepResult applied = d.bestApplied();
        NaiveBaseline.Result naive = d.naive();
        PgBench.Result pg1 = d.pgbench(1);
        PgBench.Result pg100 = d.pgbench(PgBench.BATCH);
        s.append("## Headline\n\n");
        if (best == null) {
            s.append("- No step was sustainable end to end (commands applied and their changes in the audit log as fast as they came).\n");
        } else {
            s.append(String.format("- Highest rate sustainable end to end (audit log included): **%,d commands/s** target, %,.0f applied/s;"
                            + " publish to commit p50 %.0f ms, p99 %.0f ms, max %.0f ms; commit to audit log p50 %.0f ms, p99 %.0f ms%n",
                    best.targetRate(), best.appliedPerSec(), best.kafkaE2e().p50(), best.kafkaE2e().p99(),
                    best.kafkaE2e().max(), best.audit().p50(), best.audit().p99()));
        }
        if (applied != null && (best == null || applied.targetRate() > best.targetRate())) {
            s.append(String.format("- Highest rate at which the workers kept up (the audit log falling behind): %,d commands/s target,"
                            + " %,.0f applied/s; publish to commit p50 %.0f ms, p99 %.0f ms%n",
                    applied.targetRate(), applied.appliedPerSec(), applied.kafkaE2e().p50(), applied.kafkaE2e().p99()));
        }
        StepResult ref = best != null ? best : applied;
        if (ref != null) {
            if (naive != null) {
                s.append(String.format("- vs naive consumer (one transaction per message, closed drain, transfers only): %,.0f/s, ratio **%.1fx**%n",
                        naive.perSecond(), ref.appliedPerSec() / naive.perSecond()));
            }
            if (pg100 != null) {
                s.append(String.format("- vs pgbench batched (%d transfers/tx, 1 client%s): %,.0f transfers/s, the pipeline reaches **%.0f%%** of it%n",
                        PgBench.BATCH, pg100.pipelined() ? ", pipelined" : "", pg100.transfersPerSecond(),
                        100 * ref.appliedPerSec() / pg100.transfersPerSecond()));
            }
            if (pg1 != null) {
                s.append(String.format("- vs pgbench one transfer/tx (1 client): %,.0f transfers/s, ratio %.1fx%n",
                        pg1.transfersPerSecond(), ref.appliedPerSec() / pg1.transfersPerSecond()));
            }
            for (int clients : new int[] {1, 2}) {
                PgBench.Result set = d.pgbenchSetBased(clients);
                if (set != null) {
                    s.append(String.format("- vs pgbench set-based (%d transfers/tx in seven multi-row statements, as the applier"
                                    + " writes them, %d client%s, pipelined): %,.0f transfers/s, the pipeline reaches **%.0f%%** of it%n",
                            set.transfersPerTx(), clients, clients == 1 ? "" : "s", set.transfersPerSecond(),
                            100 * ref.appliedPerSec() / set.transfersPerSecond()));
                }
            }
            s.append(String.format("- CPU per applied command at that rate: **%,.0f core-µs** for the system (every process but"
                    + " the load generator; per process below)%n", systemMicros(ref)));
        }
        s.append("\n## Steps (open loop)\n\n");
        s.append("| target/s | offered/s | applied/s | backlog (command lag) start → end | audit.changes lag at end | e2e Kafka p50/p99/max ms | e2e HTTP p50/p99 ms | commit→audit p50/p99 ms | audit log trails s start → end | failed | workers keep up | audit keeps up |\n");
        s.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|:---:|\n");
        for (StepResult r : d.steps()) {
            s.append(String.format("| %,d | %,.0f | %,.0f | %,d → %,d | %,d | %s / %.0f | %s | %s | %.1f → %.1f | %,d | %s | %s |%n",
                    r.targetRate(), r.scheduled() / r.seconds(), r.appliedPerSec(), r.backlogStart(), r.backlogEnd(),
                    r.lagEnd().auditChanges(), r.kafkaE2e().p50p99(), r.kafkaE2e().max(),
                    r.httpE2e().p50p99(), r.audit().p50p99(), r.auditDelayStart(), r.auditDelayEnd(), r.failed(),
                    yesNo(r.commandsKeepUp()), yesNo(r.auditKeepsUp())));
        }
        s.append("\n## CPU and memory per process\n\nCores, average over the step (of which the JIT compiler, in brackets), / peak MiB"
                + " (RSS of each JVM, PSS of PostgreSQL's processes).\n\n| target/s |");
        d.processes().forEach(p -> s.append(' ').append(p).append(" |"));
        s.append(" whole machine |\n|---:|");
        d.processes().forEach(p -> s.append("---:|"));
        s.append("---:|\n");
        for (StepResult r : d.steps()) {
            s.append(String.format("| %,d |", r.targetRate()));
            // no figure (the process started or restarted during the step) is a dash, not a zero
            d.processes().forEach(p -> s.append(String.format(" %s%s / %d |",
                    r.cores().containsKey(p) ? String.format("%.2f", r.cores().get(p)) : "–",
                    r.jitCores().containsKey(p) ? String.format(" (%.2f)", r.jitCores().get(p)) : "",
                    r.memoryMax().getOrDefault(p, 0L) >> 20)));
            s.append(String.format(" %.2f |%n", r.machineCores()));
        }
        s.append("\n## CPU per applied command\n\nCore-µs per applied command (a process's cores over the step × 10⁶ / applied"
                + " commands/s): what a command costs each process, which does not depend on how busy the machine is.\n\n| target/s | applied/s |");
        d.processes().stream().filter(p -> !p.equals(ProcessStats.BENCH)).forEach(p -> s.append(' ').append(p).append(" |"));
        s.append(" system |\n|---:|---:|");
        d.processes().stream().filter(p -> !p.equals(ProcessStats.BENCH)).forEach(p -> s.append("---:|"));
        s.append("---:|\n");
        for (StepResult r : d.steps()) {
            s.append(String.format("| %,d | %,.0f |", r.targetRate(), r.appliedPerSec()));
            d.processes().stream().filter(p -> !p.equals(ProcessStats.BENCH)).forEach(p -> s.append(r.cores().containsKey(p)
                    ? String.format(" %,.0f |", r.cores().get(p) * 1e6 / r.appliedPerSec()) : " – |"));
            s.append(String.format(" **%,.0f** |%n", systemMicros(r)));
        }
        if (!d.profiles().isEmpty()) {
            s.append("\n## Where the services' CPU goes (JFR execution samples over the steps)\n\nPer service, its hottest threads"
                    + " (numbers folded: a pool is one line) with their share of the service's samples, the methods most often on"
                    + " top of their stack, and the platform's own frame nearest the top. The recordings are in `logs/profiles/`"
                    + " (open them with JDK Mission Control or `jfr print`).\n");
            s.append(Profiles.markdown(d.profiles()));
        }
        s.append("\n## Baselines (same run, same servers, services stopped)\n\n| baseline | transfers/s |\n|---|---:|\n");
        if (naive != null) {
            s.append(String.format("| naive ledger consumer (own JVM, %s), max.poll.records=1, drain of %,d transfers | %,.0f |%n",
                    ChildProcess.HEAP, naive.transfers(), naive.perSecond()));
        }
        for (PgBench.Result r : d.pgbench()) {
            s.append(String.format("| pgbench, %d transfer(s)/transaction%s, %d client(s)%s (%.0f tps) | %,.0f |%n",
                    r.transfersPerTx(), r.setBased() ? " in set-based statements" : "", r.clients(),
                    r.pipelined() ? ", pipelined" : "", r.tps(), r.transfersPerSecond()));
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
                  writes in the transaction of the effect. Late sends therefore count against the system. A job's completion
                  is scheduled in the first job slot after its executor has seen the JobLeased event.
                - Workers keep up: offered (scheduled by the generator) ≥ 95% of the target, accepted ≥ 98% of offered,
                  backlog (accepted, not applied: the workers' Kafka lag) grew by less than half a second of traffic over the step, applied/s within
                  5% of the target. Audit keeps up: at the step's end the audit log trails the newest commit by under 5 s,
                  and by at most 1 s more than at its start. Sustainable end to end: both. A short unmeasured warm-up step
                  runs first.
                - Kafka lag: end offset minus the committed offset of every consumer group, summed over the command topics
                  (the workers: the backlog) and over audit.changes (the audit log writer).
                - CPU in cores (1.0 = one core busy), read from /proc; "load generator" is the benchmark's own JVM (producer,
                  HTTP client, job executors, sampling); whole machine includes anything else running on it. A figure
                  counts the CPU time of the processes (pid and start time) alive at both ends of its interval, the
                  step or the sample: a process that started or restarted within it has none there (a dash, a gap),
                  and PostgreSQL's leaves out connections shorter than that (the sampler's own). A figure above the
                  core count (or below zero) cannot be true: it is dropped, and the notes count such. The JIT
                  share (C1/C2 compiler threads) says how far a JVM is from its steady state: each service compiles its
                  hot paths under the first minutes of load, so short runs (--quick) overstate the CPU per command.
                - Charts: rate-latency.png (p50/p99 vs target), rate-throughput.png (applied vs target), lag.png (backlog,
                  Kafka lag and audit delay over time, step starts marked), cpu.png (cores per process over time).
                """);
        return s.toString();
    }

    /** Core-µs per applied command of every process but the load generator, over the step. */
    static double systemMicros(StepResult r) {
        double cores = r.cores().entrySet().stream().filter(e -> !e.getKey().equals(ProcessStats.BENCH))
                .mapToDouble(Map.Entry::getValue).sum();
        return r.appliedPerSec() > 0 ? cores * 1e6 / r.appliedPerSec() : Double.NaN;
    }

    private static String yesNo(boolean b) {
        return b ? "yes" : "**no**";
    }

    private static void charts(RunData d, Path dir) throws IOException {
        List<StepResult> st = d.steps();
        double[] target = st.stream().mapToDouble(StepResult::targetRate).toArray();
        Charts.png(Charts.lines("Publish-to-commit latency vs offered rate", "target rate (commands/s)", "latency (ms)",
                List.of(new Charts.Line("p50", PALETTE[0], target, st.stream().mapToDouble(r -> r.kafkaE2e().p50()).toArray()),
                        new Charts.Line("p99", PALETTE[1], target, st.stream().mapToDouble(r -> r.kafkaE2e().p99()).toArray()),
                        new Charts.Line("commit->audit p99", PALETTE[6], target,
                                st.stream().mapToDouble(r -> r.audit().p99()).toArray())),
                List.of()), dir.resolve("rate-latency.png"));
        Charts.png(Charts.lines("Applied vs offered rate", "target rate (commands/s)", "commands/s",
                List.of(new Charts.Line("target", Color.GRAY, target, target),
                        new Charts.Line("applied", PALETTE[2], target, st.stream().mapToDouble(StepResult::appliedPerSec).toArray())),
                List.of()), dir.resolve("rate-throughput.png"));
        List<Sampler.Sample> sm = d.samples();
        double[] t = sm.stream().mapToDouble(Sampler.Sample::t).toArray();
        Charts.png(Charts.lines("Backlogs over time", "seconds", "commands / records / seconds x 100",
                List.of(new Charts.Line("commands not applied (Kafka lag, command topics)", PALETTE[1], t,
                                sm.stream().mapToDouble(Sampler.Sample::backlog).toArray()),
                        new Charts.Line("Kafka lag, audit.changes", PALETTE[3], t,
                                sm.stream().mapToDouble(s -> Math.max(0, s.lag().auditChanges())).toArray()),
                        new Charts.Line("audit log trails commits (s x 100)", PALETTE[6], t,
                                sm.stream().mapToDouble(s -> 100 * s.auditDelaySeconds()).toArray())),
                d.stepStarts()), dir.resolve("lag.png"));
        Charts.png(cpuChart(d.processes(), sm, d.stepStarts()), dir.resolve("cpu.png"));
    }

    /** Cores per process over time: a sample without a figure for a process (see {@link ProcessStats}) is a gap. */
    static JFreeChart cpuChart(List<String> processes, List<Sampler.Sample> samples, List<Double> stepStarts) {
        double[] t = samples.stream().mapToDouble(Sampler.Sample::t).toArray();
        List<Charts.Line> lines = new ArrayList<>();
        for (int i = 0; i < processes.size(); i++) {
            String p = processes.get(i);
            lines.add(new Charts.Line(p, PALETTE[i % PALETTE.length], t,
                    samples.stream().mapToDouble(s -> s.cores().getOrDefault(p, Double.NaN)).toArray()));
        }
        lines.add(new Charts.Line("whole machine", Color.BLACK, t,
                samples.stream().mapToDouble(Sampler.Sample::machineCores).toArray()));
        return Charts.lines("CPU per process", "seconds", "cores", lines, stepStarts);
    }
}
