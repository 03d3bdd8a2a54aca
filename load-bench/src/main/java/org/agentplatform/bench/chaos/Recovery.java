package org.agentplatform.bench.chaos;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Recovery per fault, from the probe's samples: for each partition the fault took away (all of them for
 * PostgreSQL and the broker), the time from the fault to its first applied command, counted from when it had work
 * if it had none at the fault; for the survivors, the longest stall (work waiting, position unmoved) while the
 * group recovered. For an audit worker, the time to the next audit log entry; for the ingest, to the next 202.
 */
final class Recovery {

    /** Not measured for this kind of fault. */
    static final long NOT_APPLICABLE = Long.MIN_VALUE;
    /** Commits already in flight at the fault may land in the next sample: they are not a recovery. */
    private static final long IN_FLIGHT = 500;

    /** The figures of one fault, in milliseconds ({@code -1}: not recovered within the window). */
    record Figures(long recovery, long survivorsMaxStall, int affectedPartitions, String slowest) {
    }

    private static final long WINDOW = 120_000;

    private Recovery() {
    }

    static Figures of(FaultRunner.Record r, List<ProgressProbe.Sample> samples, List<Long> httpAnswers) {
        if (r.kind.startsWith("audit")) {
            return new Figures(auditRecovery(r.struckAt, samples), NOT_APPLICABLE, 0, "");
        }
        if (r.kind.equals("ingest")) {
            long first = httpAnswers.stream().filter(t -> t > r.struckAt).mapToLong(Long::longValue).min().orElse(-1);
            return new Figures(first < 0 ? -1 : first - r.struckAt, NOT_APPLICABLE, 0, "");
        }
        Set<ProgressProbe.Slot> affected = new HashSet<>();
        Set<ProgressProbe.Slot> all = slots(samples);
        if (r.kind.equals("postgres") || r.kind.equals("broker")) {
            affected.addAll(all);
        } else {
            for (ProgressProbe.Slot s : all) {
                if (r.affected.getOrDefault(s.group(), Set.of()).contains(s.partition())) {
                    affected.add(s);
                }
            }
        }
        long worst = 0;
        String slowest = "";
        for (ProgressProbe.Slot s : affected) {
            long t = firstAdvance(s, r.struckAt, samples);
            if (t < 0) {
                worst = -1;
                slowest = s.group() + " " + s.partition();
                break;
            }
            if (t > worst) {
                worst = t;
                slowest = s.group() + " " + s.partition();
            }
        }
        long survivors = NOT_APPLICABLE;
        if (!r.kind.equals("postgres") && !r.kind.equals("broker")) {
            Set<String> groups = r.affected.keySet();
            long until = r.struckAt + (worst < 0 ? WINDOW : worst) + 5_000;
            survivors = 0;
            for (ProgressProbe.Slot s : all) {
                if (groups.contains(s.group()) && !affected.contains(s)) {
                    survivors = Math.max(survivors, longestStall(s, r.struckAt, until, samples));
                }
            }
        }
        return new Figures(worst, survivors, affected.size(), slowest);
    }

    private static Set<ProgressProbe.Slot> slots(List<ProgressProbe.Sample> samples) {
        Set<ProgressProbe.Slot> all = new HashSet<>();
        for (ProgressProbe.Sample s : samples) {
            if (s.positions() != null) {
                all.addAll(s.positions().keySet());
            }
        }
        return all;
    }

    /**
     * Milliseconds from {@code from} (or from when work appeared, if the partition had none then) to the first sample
     * with a larger position than at {@code from}; -1 if none in the window.
     */
    private static long firstAdvance(ProgressProbe.Slot slot, long from, List<ProgressProbe.Sample> samples) {
        Long base = null;
        Long endBefore = null;
        Long workSince = null;
        for (ProgressProbe.Sample s : samples) {
            Long pos = s.positions() == null ? null : s.positions().get(slot);
            Long end = s.ends() == null ? null : s.ends().get(slot.partition());
            if (s.millis() <= from + IN_FLIGHT) {
                if (pos != null) {
                    base = pos;
                }
                if (end != null) {
                    endBefore = end;
                }
                continue;
            }
            if (s.millis() > from + WINDOW) {
                break;
            }
            if (base == null) {
                base = pos;
                continue;
            }
            if (workSince == null && endBefore != null && endBefore > base) {
                workSince = from; // work was waiting when the fault struck
            }
            if (workSince == null && end != null && end > base) {
                workSince = Math.max(from, s.millis() - 250);
            }
            if (pos != null && pos > base) {
                return s.millis() - (workSince == null ? from : Math.min(workSince, s.millis()));
            }
        }
        return workSince == null ? 0 : -1; // no work in the window: nothing was held up
    }

    /** The longest run of samples in [from, until] in which the slot had work and its position did not move. */
    private static long longestStall(ProgressProbe.Slot slot, long from, long until, List<ProgressProbe.Sample> samples) {
        long longest = 0;
        Long stallStart = null;
        Long last = null;
        for (ProgressProbe.Sample s : samples) {
            if (s.millis() < from - 1000 || s.millis() > until) {
                continue;
            }
            Long pos = s.positions() == null ? null : s.positions().get(slot);
            Long end = s.ends() == null ? null : s.ends().get(slot.partition());
            boolean stalled = pos != null && last != null && pos.equals(last) && end != null && end > pos;
            if (stalled) {
                if (stallStart == null) {
                    stallStart = s.millis() - 250;
                }
                longest = Math.max(longest, s.millis() - Math.max(stallStart, from));
            } else if (pos != null) {
                stallStart = null;
            }
            if (pos != null) {
                last = pos;
            }
        }
        return longest;
    }

    private static long auditRecovery(long from, List<ProgressProbe.Sample> samples) {
        Long base = null;
        for (ProgressProbe.Sample s : samples) {
            if (s.millis() <= from + IN_FLIGHT) {
                if (s.auditSeq() != null) {
                    base = s.auditSeq();
                }
                continue;
            }
            if (s.millis() > from + WINDOW) {
                break;
            }
            if (base != null && s.auditSeq() != null && s.auditSeq() > base) {
                return s.millis() - from;
            }
        }
        return -1;
    }

    /** Publish-to-outcome latencies (ms) of the commands sent in [from, to]. */
    static List<Long> latencies(Map<java.util.UUID, ChaosLoad.Sent> sent, Map<java.util.UUID, Invariants.Outcome> outcomes,
                                long fromMillis, long toMillis) {
        List<Long> out = new ArrayList<>();
        for (ChaosLoad.Sent s : sent.values()) {
            long at = s.sentMicros() / 1000;
            Invariants.Outcome o = outcomes.get(s.id());
            if (at >= fromMillis && at <= toMillis && o != null) {
                out.add(Math.max(0, o.processedMicros() / 1000 - at));
            }
        }
        out.sort(Long::compare);
        return out;
    }

    static long percentile(List<Long> sorted, double p) {
        return sorted.isEmpty() ? -1 : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
    }
}
