package org.agentplatform.audit;

import java.util.List;
import java.util.Map;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Health of the CDC pipeline for operators: the engine's state, its last failure, and the replication
 * slot (whether a worker holds it, and how much WAL PostgreSQL retains for it: growth means the audit
 * stream is falling behind or stuck).
 */
class CdcHealthIndicator implements HealthIndicator {

    private final CdcEngine engine;
    private final JdbcClient jdbc;

    CdcHealthIndicator(CdcEngine engine, JdbcClient jdbc) {
        this.engine = engine;
        this.jdbc = jdbc;
    }

    @Override
    public Health health() {
        CdcEngine.State state = engine.state();
        Health.Builder health = switch (state) {
            case RUNNING -> Health.up();
            case STARTING -> Health.unknown();
            case RESTARTING -> Health.down();
            case STOPPED -> Health.outOfService();
        };
        health.withDetail("state", state).withDetail("slot", engine.slotName()).withDetail("restarts", engine.restarts());
        Throwable failure = engine.lastFailure();
        if (failure != null) {
            health.withDetail("lastFailure", String.valueOf(failure.getMessage()))
                    .withDetail("lastFailureAt", String.valueOf(engine.lastFailureAt()));
        }
        List<Map<String, Object>> slot = jdbc.sql("""
                        select active, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint as retained_wal_bytes,
                               confirmed_flush_lsn::text as confirmed_flush_lsn
                        from pg_replication_slots where slot_name = ?""")
                .param(engine.slotName()).query().listOfRows();
        if (slot.isEmpty()) {
            health.withDetail("slotExists", false);
        } else {
            health.withDetail("slotExists", true);
            slot.get(0).forEach((name, value) -> {
                if (value != null) {
                    health.withDetail(name, value);
                }
            });
        }
        return health.build();
    }
}
