package org.agentplatform.audit;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the CDC pipeline ({@code platform.audit.*}).
 *
 * @param enabled             whether the engine starts with the application
 * @param engineName          the engine's name; part of the offset key in {@code cdc_offsets}
 * @param serverName          Debezium's logical server name ({@code topic.prefix}); part of the offset key
 * @param slotName            the replication slot; empty derives {@code audit_<database>}, because slot names
 *                            are cluster-wide and several databases may share one server
 * @param publicationName     the publication (per database)
 * @param auditedTables       schema-qualified tables whose changes go to {@code audit.changes}
 * @param outboxTable         schema-qualified outbox table whose inserts go to {@code events.<aggregate_type>}
 * @param snapshotMode        Debezium {@code snapshot.mode}; {@code initial} records the rows that exist when
 *                            capture starts, once
 * @param offsetTable         table holding the engine's offsets
 * @param offsetFlushInterval how often processed offsets are saved (and confirmed to the slot)
 * @param pollInterval        how long the connector waits for more changes before handing over a batch;
 *                            bounds the added latency
 * @param heartbeatInterval   heartbeats let the slot advance while the captured tables are idle but others
 *                            are not, so PostgreSQL does not retain WAL for nothing
 * @param publishTimeout      how long one batch may take to be acknowledged by Kafka before the engine is
 *                            restarted and the batch replayed
 * @param restartBackoff      first delay before restarting a failed engine; doubles up to
 *                            {@code maxRestartBackoff}
 * @param maxRestartBackoff   longest delay between restarts
 * @param auditTopicPartitions partitions of {@code audit.changes} when this worker creates it
 * @param debezium            further Debezium engine/connector properties, passed through as they are
 * @param heartbeatTable      schema-qualified table the heartbeat action query upserts (and which is therefore
 *                            in the publication); empty: heartbeats without an action query
 * @param instanceId          names this instance in log lines, health and {@code pg_stat_activity}
 *                            ({@code application_name} {@code audit-leader-<id>} or {@code audit-standby-<id>} of its
 *                            lock connection, {@code audit-offsets-<id>}); empty derives a random one
 * @param leaderRetryInterval how often a standby tries the leader lock
 * @param leaderCheckInterval how often the leader checks that it still holds the lock
 */
@ConfigurationProperties(prefix = "platform.audit")
public record AuditProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("audit-worker") String engineName,
        @DefaultValue("audit") String serverName,
        String slotName,
        @DefaultValue("audit_cdc") String publicationName,
        @DefaultValue({"public.agents", "public.accounts", "public.transfers", "public.claims", "public.claim_votes",
                "public.claim_status_history", "public.jobs", "public.job_attempts", "public.job_history",
                "public.dead_letter_replays"})
        List<String> auditedTables,
        @DefaultValue("public.outbox") String outboxTable,
        @DefaultValue("initial") String snapshotMode,
        @DefaultValue("cdc_offsets") String offsetTable,
        @DefaultValue("1s") Duration offsetFlushInterval,
        @DefaultValue("20ms") Duration pollInterval,
        @DefaultValue("10s") Duration heartbeatInterval,
        @DefaultValue("30s") Duration publishTimeout,
        @DefaultValue("1s") Duration restartBackoff,
        @DefaultValue("1m") Duration maxRestartBackoff,
        @DefaultValue("6") int auditTopicPartitions,
        Map<String, String> debezium,
        @DefaultValue("public.cdc_heartbeat") String heartbeatTable,
        String instanceId,
        @DefaultValue("1s") Duration leaderRetryInterval,
        @DefaultValue("1s") Duration leaderCheckInterval) {

    public AuditProperties {
        if (instanceId == null || instanceId.isBlank()) {
            instanceId = java.util.UUID.randomUUID().toString().substring(0, 8);
        }
        heartbeatTable = heartbeatTable == null ? "" : heartbeatTable.trim();
        if (auditedTables.contains(heartbeatTable)) {
            throw new IllegalArgumentException("the heartbeat table " + heartbeatTable + " cannot also be audited");
        }
        auditedTables = List.copyOf(auditedTables);
        debezium = debezium == null ? Map.of() : Map.copyOf(debezium);
        if (auditedTables.contains(outboxTable)) {
            throw new IllegalArgumentException("the outbox table " + outboxTable + " cannot also be audited");
        }
    }
}
