package org.agentplatform.ingest.reads;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.jdbc.core.simple.JdbcClient;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * How far the read replica is behind the primary, as the gauges {@code ingest.read.replica.lag.bytes} (WAL the
 * replica has not replayed yet) and {@code ingest.read.replica.lag.seconds} (age of the newest replayed commit while
 * WAL is outstanding; 0 when none is, or when the replica streams and has replayed all it received; NaN both when
 * the replica cannot be asked; a replica that stopped streaming or restores from an archive shows the age), and as health component {@code readReplica}: DOWN when it cannot be reached, is no longer a
 * standby, or lags more than {@code ingest.read-replica.max-lag-bytes}. It is not part of readiness: reads then fall
 * back to the primary. One measurement serves both gauges and the health for up to a second, so a scrape or a health
 * probe costs the two databases one query each, not one per gauge.
 */
final class ReplicaLag implements HealthIndicator {

    private static final long REUSE_NANOS = 1_000_000_000L;

    private final JdbcClient primary;
    private final DataSource replica;
    private final long maxLagBytes;
    private @Nullable Taken last;

    ReplicaLag(JdbcClient primary, DataSource replica, long maxLagBytes, MeterRegistry meters) {
        this.primary = primary;
        this.replica = replica;
        this.maxLagBytes = maxLagBytes;
        Gauge.builder("ingest.read.replica.lag.bytes", this, lag -> lag.measureOrNaN().bytes())
                .description("WAL the read replica has not replayed yet").baseUnit("bytes").register(meters);
        Gauge.builder("ingest.read.replica.lag.seconds", this, lag -> lag.measureOrNaN().seconds())
                .description("Age of the replica's newest replayed commit while WAL is outstanding, else 0")
                .baseUnit("seconds").register(meters);
    }

    /** Lag now; {@code inRecovery} false means the replica no longer follows the primary. */
    record Measurement(boolean inRecovery, double bytes, double seconds) {
    }

    /** A measurement or why there is none, and when it was taken (nanoTime). */
    private record Taken(long at, @Nullable Measurement measurement, @Nullable Exception error) {
    }

    Measurement measure() throws SQLException {
        String position = primary.sql("select pg_current_wal_flush_lsn()::text").query(String.class).single();
        try (Connection connection = replica.getConnection();
             PreparedStatement query = connection.prepareStatement("""
                     select pg_is_in_recovery(), lag.bytes,
                            case when lag.bytes = 0 then 0
                                 -- streaming, and all it received is replayed: what it lacks is WAL the primary has
                                 -- not sent yet (an idle primary's checkpoint, say), not a commit it is slow to apply
                                 when pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
                                      and (select status from pg_stat_wal_receiver) = 'streaming' then 0
                                 else greatest(extract(epoch from clock_timestamp() - pg_last_xact_replay_timestamp()), 0)
                            end
                     from (select greatest(pg_wal_lsn_diff(?::pg_lsn, pg_last_wal_replay_lsn()), 0) as bytes) lag""")) {
            query.setString(1, position);
            try (ResultSet rs = query.executeQuery()) {
                rs.next();
                boolean inRecovery = rs.getBoolean(1);
                double bytes = rs.getDouble(2);
                double age = rs.getDouble(3);
                return new Measurement(inRecovery, bytes, rs.wasNull() ? 0 : age);
            }
        }
    }

    /** The last measurement if it is younger than a second, else a new one. */
    private synchronized Taken current() {
        Taken taken = last;
        if (taken == null || System.nanoTime() - taken.at() > REUSE_NANOS) {
            try {
                taken = new Taken(System.nanoTime(), measure(), null);
            } catch (SQLException | RuntimeException e) {
                taken = new Taken(System.nanoTime(), null, e);
            }
            last = taken;
        }
        return taken;
    }

    private Measurement measureOrNaN() {
        Measurement m = current().measurement();
        return m != null && m.inRecovery() ? m : new Measurement(false, Double.NaN, Double.NaN);
    }

    @Override
    public Health health() {
        Taken taken = current();
        Measurement m = taken.measurement();
        if (m == null) {
            return Health.down().withDetail("error", String.valueOf(taken.error())).build();
        }
        if (!m.inRecovery()) {
            return Health.down().withDetail("error", "not in recovery: promoted, or not a standby").build();
        }
        Health.Builder health = m.bytes() > maxLagBytes ? Health.down() : Health.up();
        return health.withDetail("lagBytes", (long) m.bytes()).withDetail("lagSeconds", m.seconds())
                .withDetail("maxLagBytes", maxLagBytes).build();
    }
}
