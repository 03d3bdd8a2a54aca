package org.agentplatform.audit.cdc;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Health of the CDC pipeline for operators: the engine's state, this instance's name and role (leader or
 * standby) and the leader's name, its last failure, its lag, and the replication slot (whether a worker holds
 * it, and how much WAL PostgreSQL retains for it: growth means the audit stream is falling behind or stuck).
 *
 * <p>Part of readiness: UP only while the engine runs or its standby waits; starting, restarting or stopped
 * is not ready (neither UNKNOWN, which the readiness group would count as ready next to UP).
 */
class CdcHealthIndicator implements HealthIndicator {

    private final CdcEngine engine;
    private final Leadership leadership;
    private final ChangePublisher publisher;
    private final SlotMonitor slot;

    CdcHealthIndicator(CdcEngine engine, Leadership leadership, ChangePublisher publisher, SlotMonitor slot) {
        this.engine = engine;
        this.leadership = leadership;
        this.publisher = publisher;
        this.slot = slot;
    }

    @Override
    public Health health() {
        if (!engine.isAutoStartup()) {
            // platform.audit.enabled=false: this instance only logs or verifies; nothing to wait for
            return Health.up().withDetail("state", "DISABLED").withDetail("instance", leadership.instanceId()).build();
        }
        CdcEngine.State state = engine.state();
        Health.Builder health = switch (state) {
            // a standby is healthy: it is ready to take over
            case RUNNING, STANDBY -> Health.up();
            case STARTING, STOPPED -> Health.outOfService();
            case RESTARTING -> Health.down();
        };
        boolean leads = leadership.leads();
        health.withDetail("state", state).withDetail("instance", leadership.instanceId())
                .withDetail("role", leads ? "leader" : state == CdcEngine.State.STANDBY ? "standby" : "none")
                .withDetail("leader", leadership.leader().orElse("unknown"))
                .withDetail("slot", engine.slotName()).withDetail("restarts", engine.restarts());
        Throwable failure = engine.lastFailure();
        if (failure != null) {
            health.withDetail("lastFailure", String.valueOf(failure.getMessage()))
                    .withDetail("lastFailureAt", String.valueOf(engine.lastFailureAt()));
        }
        Duration lag = publisher.engineLag();
        if (lag != null && state == CdcEngine.State.RUNNING) {
            health.withDetail("engine_lag_ms", lag.toMillis())
                    .withDetail("last_commit_time", String.valueOf(publisher.lastCommitTime()));
        }
        Map<String, Object> row = slot.slot();
        if (row == null) {
            health.withDetail("slotExists", false);
        } else {
            health.withDetail("slotExists", true);
            row.forEach((name, value) -> {
                if (value != null) {
                    health.withDetail(name, value);
                }
            });
        }
        return health.build();
    }

    /** Reads the slot's state from {@code pg_replication_slots}; also the source of the slot gauges. */
    static final class SlotMonitor {

        private final JdbcClient jdbc;
        private final String slotName;

        SlotMonitor(JdbcClient jdbc, String slotName) {
            this.jdbc = jdbc;
            this.slotName = slotName;
        }

        /** The slot's row, or null when it does not exist. */
        @Nullable Map<String, Object> slot() {
            List<Map<String, Object>> rows = jdbc.sql("""
                            select active, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint as retained_wal_bytes,
                                   confirmed_flush_lsn::text as confirmed_flush_lsn, wal_status
                            from pg_replication_slots where slot_name = ?""")
                    .param(slotName).query().listOfRows();
            return rows.isEmpty() ? null : rows.get(0);
        }

        /** WAL bytes PostgreSQL keeps for the slot; NaN when unknown (no slot, database unreachable). */
        double retainedWalBytes() {
            try {
                Map<String, Object> row = slot();
                Object bytes = row == null ? null : row.get("retained_wal_bytes");
                return bytes instanceof Number n ? n.doubleValue() : Double.NaN;
            } catch (RuntimeException e) {
                return Double.NaN;
            }
        }
    }
}
