package org.agentplatform.ingest.commands;

import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;

import org.agentplatform.runtime.PeriodicTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Idempotency keys and the issuers of published commands are kept for {@code ingest.idempotency.retention}: a
 * client retrying later than that sends a new command (with a new random id), and a command still not handled by
 * then reads as unknown (404). Every instance purges; deleting the same old rows twice is harmless.
 */
@Component
class IdempotencyRetention extends PeriodicTask {

    private static final Logger log = LoggerFactory.getLogger(IdempotencyRetention.class);

    private final JdbcClient jdbc;
    private final Clock clock;
    private final Duration retention;

    IdempotencyRetention(JdbcClient jdbc, Clock clock, Properties properties) {
        // soon after start too: an instance restarted more often than the interval must still purge
        super("idempotency-retention", Duration.ofMinutes(1), properties.purgeInterval());
        this.jdbc = jdbc;
        this.clock = clock;
        this.retention = properties.retention();
    }

    @Override
    protected void runPass() {
        purge();
    }

    /** One purge; a failure is logged by the schedule, and the next run tries again. */
    int purge() {
        var before = clock.instant().minus(retention).atOffset(ZoneOffset.UTC);
        int deleted = jdbc.sql("delete from idempotency_keys where created_at < ?").param(before).update();
        // issuers of commands never handled (a handled one's issuer is recorded with its outcome)
        int issuers = jdbc.sql("delete from command_issuers where issued_at < ?").param(before).update();
        if (deleted > 0 || issuers > 0) {
            log.info("Purged {} idempotency keys and {} command issuers older than {}", deleted, issuers, retention);
        }
        return deleted + issuers;
    }

    /**
     * @param retention     how long a retry with the same key still gets the original answer
     * @param purgeInterval how long between purges
     */
    @ConfigurationProperties(prefix = "ingest.idempotency")
    record Properties(@DefaultValue("7d") Duration retention, @DefaultValue("1h") Duration purgeInterval) {
    }
}
