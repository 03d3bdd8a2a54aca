package org.agentplatform.bench.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class RecoveryTest {

    private static final String GROUP = "ledger-worker";
    private static final TopicPartition KILLED = new TopicPartition("commands.karma", 0);
    private static final TopicPartition SURVIVOR = new TopicPartition("commands.karma", 1);
    private static final ProgressProbe.Slot KILLED_SLOT = new ProgressProbe.Slot(GROUP, KILLED);
    private static final ProgressProbe.Slot SURVIVOR_SLOT = new ProgressProbe.Slot(GROUP, SURVIVOR);

    /** Samples every 250 ms from t=0: work keeps arriving on both partitions; the killed one stands still in [kill, resume). */
    private static List<ProgressProbe.Sample> samples(long kill, long resume, long survivorStallFrom, long survivorStallTo) {
        List<ProgressProbe.Sample> out = new ArrayList<>();
        long killedPos = 0;
        long survivorPos = 0;
        for (long t = 0; t <= 40_000; t += 250) {
            long end = t / 100 + 10; // always ahead of both positions: there is work
            if (t < kill || t >= resume) {
                killedPos = Math.min(end - 1, killedPos + 2);
            }
            if (t < survivorStallFrom || t >= survivorStallTo) {
                survivorPos = Math.min(end - 1, survivorPos + 2);
            }
            Map<ProgressProbe.Slot, Long> positions = new HashMap<>(Map.of(KILLED_SLOT, killedPos, SURVIVOR_SLOT, survivorPos));
            out.add(new ProgressProbe.Sample(t, positions, Map.of(KILLED, end, SURVIVOR, end), t / 10));
        }
        return out;
    }

    private static FaultRunner.Record kill(long at) {
        FaultRunner.Record r = new FaultRunner.Record(1, "kill -9 ledger-1", "ledger");
        r.struckAt = at;
        r.affected.put(GROUP, Set.of(KILLED));
        return r;
    }

    @Test
    void recovery_is_the_time_from_the_kill_to_the_first_advance_of_the_partitions_the_instance_owned() {
        Recovery.Figures f = Recovery.of(kill(10_000), samples(10_000, 17_500, -1, -1), List.of());
        assertThat(f.recovery()).isBetween(7_250L, 7_750L);
        assertThat(f.affectedPartitions()).isEqualTo(1);
        assertThat(f.survivorsMaxStall()).isZero();
    }

    @Test
    void a_survivor_that_stalls_during_the_rebalance_is_reported() {
        Recovery.Figures f = Recovery.of(kill(10_000), samples(10_000, 17_500, 15_000, 18_000), List.of());
        assertThat(f.survivorsMaxStall()).isBetween(2_750L, 3_250L);
    }

    @Test
    void a_partition_that_never_moves_again_is_not_recovered() {
        Recovery.Figures f = Recovery.of(kill(10_000), samples(10_000, Long.MAX_VALUE, -1, -1), List.of());
        assertThat(f.recovery()).isEqualTo(-1);
    }

    @Test
    void the_ingest_recovers_at_its_next_accepted_request() {
        FaultRunner.Record r = new FaultRunner.Record(2, "kill -9 ingest-1", "ingest");
        r.struckAt = 5_000;
        Recovery.Figures f = Recovery.of(r, samples(-1, -1, -1, -1), List.of(4_000L, 9_500L, 12_000L));
        assertThat(f.recovery()).isEqualTo(4_500);
        assertThat(f.survivorsMaxStall()).isEqualTo(Recovery.NOT_APPLICABLE);
    }
}
