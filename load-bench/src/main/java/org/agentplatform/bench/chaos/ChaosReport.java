package org.agentplatform.bench.chaos;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** The chaos run's report, in Markdown: invariants first, then every fault with its recovery, then the figures. */
final class ChaosReport {

    private ChaosReport() {
    }

    static String markdown(ChaosRun.Options o, List<Fault.Scheduled> schedule, FaultRunner runner,
                           List<ProgressProbe.Sample> samples, List<Invariants.Check> checks, ChaosLoad load, ChaosHttp http,
                           Map<UUID, Invariants.Outcome> outcomes, List<Long> httpAnswers, long seconds) {
        List<FaultRunner.Record> faults = runner.records;
        StringBuilder md = new StringBuilder();
        long violations = checks.stream().mapToLong(Invariants.Check::violations).sum();
        md.append("# Chaos run: ").append(violations == 0 ? "every invariant held" : violations + " VIOLATIONS").append("\n\n");
        md.append(String.format("%s mode, seed %d (replay: `--seed=%d%s`), %d s of load at %d Kafka commands/s plus HTTP, "
                        + "%d faults, %d s in all.%n%n", o.longMode() ? "Long" : "Short", o.seed(), o.seed(),
                o.longMode() ? " --long" : "", o.load().toSeconds(), o.rate(), faults.size(), seconds));
        md.append(String.format("Sent: %,d valid commands over Kafka (%,d acknowledged, %,d sends failed and were sent again), "
                        + "%,d exact duplicates, %,d malformed records (%.0f records/s achieved); %,d HTTP transfers answered.%n%n",
                load.sent.size(), load.acked.size(), load.sendFailures.get(), load.duplicates.get(), load.malformed.size(),
                (load.sent.size() + load.duplicates.get() + load.malformed.size()) / (double) o.load().toSeconds(),
                http.accepted.size()));

        md.append("## Invariants\n\n| check | figures | violations |\n|---|---|---:|\n");
        for (Invariants.Check c : checks) {
            md.append("| ").append(c.name()).append(" | ").append(c.figures().replace("|", "\\|")).append(" | ")
                    .append(c.violations() == 0 ? "0" : "**" + c.violations() + "**").append(" |\n");
        }

        md.append("\n## Faults\n\nRecovery: from the fault to the first applied command on every partition it took away "
                + "(for a partition without work at that moment, from when work arrived); audit: to the next audit log entry; "
                + "ingest: to the next accepted request. Survivors: the longest stall (work waiting, position unmoved) of the "
                + "group's other partitions meanwhile. Latency: publish to outcome of the commands sent from 5 s before to 20 s "
                + "after the fault.\n\n");
        md.append("| # | at (s) | fault | recovery (s) | survivors' longest stall (s) | partitions | latency p50 / p99 / max (s) | note |\n");
        md.append("|---:|---:|---|---:|---:|---:|---|---|\n");
        long loadStart = samples.isEmpty() ? 0 : samples.get(0).millis();
        Map<String, Worst> byKind = new LinkedHashMap<>();
        Map<String, Worst> failovers = new LinkedHashMap<>(); // kills that left a ready instance of the kind
        Worst restarts = new Worst(); // kills that left no ready instance of a kind
        int overlappedFailovers = 0;
        for (int i = 0; i < faults.size(); i++) {
            FaultRunner.Record r = faults.get(i);
            Recovery.Figures f = Recovery.of(r, samples, httpAnswers);
            if (Boolean.FALSE.equals(r.failover)) {
                r.note("no ready instance of its kind left: a restart");
            }
            boolean overlapped = i + 1 < faults.size()
                    && (f.recovery() < 0 || r.struckAt + f.recovery() > faults.get(i + 1).struckAt);
            if (overlapped) {
                r.note("fault " + (i + 2) + " struck before it recovered");
            }
            List<Long> lat = Recovery.latencies(load.sent, outcomes, r.struckAt - 5_000, r.struckAt + 20_000);
            String latency = lat.isEmpty() ? "no commands sent then" : secs(Recovery.percentile(lat, 0.5)) + " / "
                    + secs(Recovery.percentile(lat, 0.99)) + " / " + secs(lat.get(lat.size() - 1));
            md.append(String.format("| %d | %.1f | %s | %s | %s | %d | %s | %s |%n", r.index,
                    (r.struckAt - loadStart) / 1000.0, r.description, secs(f.recovery()), secs(f.survivorsMaxStall()),
                    f.affectedPartitions(), latency, r.note));
            byKind.computeIfAbsent(r.kind, x -> new Worst()).add(f);
            if (Boolean.TRUE.equals(r.failover)) {
                if (overlapped && f.recovery() >= 0) {
                    overlappedFailovers++; // its recovery also waited for the later fault: not a failover time
                } else {
                    failovers.computeIfAbsent(r.kind, x -> new Worst()).add(f); // one that never recovered shows
                }
            } else if (Boolean.FALSE.equals(r.failover)) {
                restarts.add(f);
            }
        }
        md.append(runner.exitedWhileStarting.isEmpty() ? "\nEvery restarted instance started at its first attempt.\n"
                : "\n**Restarted instances that exited while starting** (started again by the supervisor): "
                + String.join(", ", runner.exitedWhileStarting) + ".\n");
        md.append("\n## Recovery per fault kind (worst; failovers and restarts together)\n\n"
                + "| kind | faults | worst recovery (s) | survivors' worst stall (s) |\n|---|---:|---:|---:|\n");
        byKind.forEach((kind, k) -> md.append(k.row(kind)));

        md.append("\n## Failover (kills that left a ready instance of each kind struck)\n\n");
        if (failovers.isEmpty()) {
            md.append("None in this run.\n");
        } else {
            md.append("| kind | faults | worst recovery (s) | survivors' worst stall (s) |\n|---|---:|---:|---:|\n");
            failovers.forEach((kind, k) -> md.append(k.row(kind)));
        }
        if (overlappedFailovers > 0) {
            md.append(String.format("%nLeft out: %d such kill(s) that a later fault struck before they recovered (their "
                    + "recovery measures that fault too; see the note in the table above).%n", overlappedFailovers));
        }
        md.append(restarts.count == 0 ? "\nNo kill left a kind without a ready instance.\n"
                : String.format("%nKills that left no ready instance of a kind (both of a kind, the only ingest, or the "
                + "other one still starting): %d, worst recovery %s: a restart (a JVM start, more while PostgreSQL or the "
                + "broker is away), not a failover.%n", restarts.count, withUnit(restarts.recovery)));

        List<Long> all = Recovery.latencies(load.sent, outcomes, 0, Long.MAX_VALUE);
        md.append(String.format("%nPublish → outcome over the whole run: p50 %s s, p99 %s s, max %s s (%,d commands).%n",
                secs(Recovery.percentile(all, 0.5)), secs(Recovery.percentile(all, 0.99)),
                secs(all.isEmpty() ? -1 : all.get(all.size() - 1)), all.size()));

        md.append("\n## Outcomes by command\n\n| command | outcome | reason | count |\n|---|---|---|---:|\n");
        List<String> keys = new ArrayList<>();
        for (ChaosLoad.Sent s : load.sent.values()) {
            Invariants.Outcome out = outcomes.get(s.id());
            keys.add(s.command().getClass().getSimpleName() + " | " + (out == null ? "(none)" : out.outcome() + " | "
                    + (out.reason().isEmpty() ? "" : out.reason())));
        }
        ChaosRun.count(keys).forEach((k, n) -> md.append("| ").append(k).append(k.contains("(none)") ? " | " : "")
                .append(" | ").append(n).append(" |\n"));

        md.append("\n## Schedule\n\n");
        for (Fault.Scheduled s : schedule) {
            md.append(String.format("- +%.1f s: %s%n", s.at().toMillis() / 1000.0, s.fault().describe()));
        }
        return md.toString();
    }

    /** The worst figures of a set of faults: the slowest recovery (-1 once one did not recover), the longest stall. */
    private static final class Worst {
        long recovery;
        long stall;
        int count;

        void add(Recovery.Figures f) {
            recovery = f.recovery() < 0 || recovery < 0 ? -1 : Math.max(recovery, f.recovery());
            stall = f.survivorsMaxStall() == Recovery.NOT_APPLICABLE ? stall : Math.max(stall, f.survivorsMaxStall());
            count++;
        }

        String row(String kind) {
            return String.format("| %s | %d | %s | %s |%n", kind, count, secs(recovery),
                    noSurvivorStall(kind) ? "n/a" : secs(stall));
        }
    }

    /** {@link #secs} with its unit, for prose. */
    private static String withUnit(long millis) {
        return millis < 0 ? secs(millis) : secs(millis) + " s";
    }

    /** Kinds without a survivors' stall: all partitions stop (PostgreSQL, broker) or none are owned (audit, ingest). */
    private static boolean noSurvivorStall(String kind) {
        return kind.equals("postgres") || kind.equals("broker") || kind.startsWith("audit") || kind.equals("ingest");
    }

    private static String secs(long millis) {
        if (millis == Recovery.NOT_APPLICABLE) {
            return "n/a";
        }
        return millis < 0 ? "**not within 120 s**" : String.format("%.1f", millis / 1000.0);
    }
}
