package org.agentplatform.bench.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class FaultScheduleTest {

    @Test
    void the_same_seed_gives_the_same_schedule_and_another_seed_another() {
        assertThat(Fault.schedule(7, Duration.ofMinutes(16), false)).isEqualTo(Fault.schedule(7, Duration.ofMinutes(16), false));
        assertThat(Fault.schedule(7, Duration.ofMinutes(16), false)).isNotEqualTo(Fault.schedule(8, Duration.ofMinutes(16), false));
    }

    @Test
    void the_long_mode_has_at_least_thirty_faults_five_postgres_stops_and_every_kind() {
        for (long seed = 1; seed <= 20; seed++) {
            List<Fault.Scheduled> s = Fault.schedule(seed, Duration.ofMinutes(16), false);
            assertThat(s).hasSizeGreaterThanOrEqualTo(30);
            assertThat(s.stream().filter(f -> f.fault() instanceof Fault.StopPostgres)).hasSizeGreaterThanOrEqualTo(5);
            assertThat(s).anyMatch(f -> f.fault() instanceof Fault.KillBroker)
                    .anyMatch(f -> f.fault() instanceof Fault.KillAuditLeader)
                    .anyMatch(f -> f.fault() instanceof Fault.KillIngest)
                    .anyMatch(f -> f.fault() instanceof Fault.KillInSuccession)
                    .anyMatch(f -> f.fault() instanceof Fault.KillInstances k && k.names().size() == 2);
            // faults stay inside the load, in order
            assertThat(s).isSortedAccordingTo((a, b) -> a.at().compareTo(b.at()));
            assertThat(s.get(s.size() - 1).at()).isLessThan(Duration.ofMinutes(16));
        }
    }

    @Test
    void the_short_mode_stops_postgres_twice_and_kills_the_broker_the_leader_and_the_ingest() {
        List<Fault.Scheduled> s = Fault.schedule(1, Duration.ofSeconds(80), true);
        assertThat(s).hasSize(8);
        assertThat(s.stream().filter(f -> f.fault() instanceof Fault.StopPostgres)).hasSize(2);
        assertThat(s).anyMatch(f -> f.fault() instanceof Fault.KillBroker)
                .anyMatch(f -> f.fault() instanceof Fault.KillAuditLeader)
                .anyMatch(f -> f.fault() instanceof Fault.KillIngest);
        assertThat(s).allMatch(f -> f.at().compareTo(Duration.ofSeconds(80)) < 0 && !f.at().isNegative());
    }
}
