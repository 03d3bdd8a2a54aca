package org.agentplatform.audit.cdc;

import java.time.Clock;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.agentplatform.audit.AuditProperties;
import org.agentplatform.schema.messaging.Topics;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.kafka.core.KafkaTemplate;

@Configuration(proxyBeanMethods = false)
class CdcConfiguration {

    @Bean
    ChangeRouter changeRouter(Topics topics, AuditProperties audit) {
        return new ChangeRouter(topics, audit.auditedTables(), audit.outboxTable());
    }

    @Bean
    ChangePublisher changePublisher(ChangeRouter router, KafkaTemplate<String, byte[]> kafka, AuditProperties audit,
                                    Clock clock, MeterRegistry meters) {
        return new ChangePublisher(router, kafka, audit.publishTimeout(), clock, meters);
    }

    /** One leader per slot: the lock is named after it, on the application's database. */
    @Bean
    Leadership leadership(AuditProperties audit, JdbcConnectionDetails database) {
        LeaderLock lock = new LeaderLock(database.getJdbcUrl(), database.getUsername(), database.getPassword(),
                EngineProperties.slotNameFor(audit, database.getJdbcUrl()), audit.instanceId());
        return new Leadership(lock, audit.leaderRetryInterval(), audit.leaderCheckInterval());
    }

    /** Connects with the same database and credentials as the application's datasource. */
    @Bean
    CdcEngine cdcEngine(AuditProperties audit, JdbcConnectionDetails database, ChangePublisher publisher, Clock clock,
                        Leadership leadership, DataSource dataSource) {
        Properties engine = EngineProperties.of(audit, database.getJdbcUrl(), database.getUsername(),
                database.getPassword());
        SlotRecovery recovery = new SlotRecovery(dataSource, engine.getProperty("slot.name"), audit.offsetTable(), clock,
                "initial".equals(engine.getProperty("snapshot.mode")));
        return new CdcEngine(engine, publisher, audit, clock, leadership, recovery);
    }

    @Bean
    CdcHealthIndicator.SlotMonitor slotMonitor(JdbcClient jdbc, CdcEngine engine) {
        return new CdcHealthIndicator.SlotMonitor(jdbc, engine.slotName());
    }

    @Bean
    CdcHealthIndicator cdcHealthIndicator(CdcEngine engine, Leadership leadership, ChangePublisher publisher,
                                          CdcHealthIndicator.SlotMonitor slot) {
        return new CdcHealthIndicator(engine, leadership, publisher, slot);
    }

    /**
     * Slot health as gauges: {@code audit.cdc.retained_wal_bytes} (read from PostgreSQL on each scrape) and
     * {@code audit.cdc.engine_lag} (now minus the commit time of the newest change handled; only the leader
     * reports it).
     */
    @Bean
    MeterBinder cdcSlotMetrics(CdcHealthIndicator.SlotMonitor slot, ChangePublisher publisher, CdcEngine engine) {
        return registry -> {
            Gauge.builder("audit.cdc.retained_wal_bytes", slot, CdcHealthIndicator.SlotMonitor::retainedWalBytes)
                    .description("WAL retained by the replication slot").baseUnit("bytes").register(registry);
            TimeGauge.builder("audit.cdc.engine_lag", publisher, TimeUnit.MILLISECONDS, p -> {
                        Duration lag = p.engineLag();
                        return lag == null || engine.state() != CdcEngine.State.RUNNING ? Double.NaN : lag.toMillis();
                    })
                    .description("now minus the commit time of the newest change the engine handled").register(registry);
        };
    }
}
