package org.agentplatform.audit.cdc;

import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.agentplatform.audit.AuditProperties;
import org.jspecify.annotations.Nullable;
import org.postgresql.Driver;

/**
 * The Debezium engine and PostgreSQL connector properties, derived from the application's datasource
 * (host, port and database parsed from its JDBC URL) and {@link AuditProperties}.
 */
final class EngineProperties {

    private EngineProperties() {
    }

    static Properties of(AuditProperties audit, String jdbcUrl, @Nullable String username, @Nullable String password) {
        Properties url = parse(jdbcUrl);
        String database = url.getProperty("PGDBNAME");
        // a multi-host URL lists hosts and ports comma-separated: capture from the first
        String host = url.getProperty("PGHOST", "localhost").split(",")[0];
        String port = url.getProperty("PGPORT", "5432").split(",")[0];

        Properties p = new Properties();
        p.setProperty("name", audit.engineName());
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("topic.prefix", audit.serverName());

        p.setProperty("offset.storage", PostgresOffsetBackingStore.class.getName());
        // named, so that operators (and the fail-over test) can tell this instance's sessions apart
        p.setProperty(PostgresOffsetBackingStore.URL, withApplicationName(jdbcUrl, offsetApplicationName(audit.instanceId())));
        p.setProperty(PostgresOffsetBackingStore.USER, nullToEmpty(username));
        p.setProperty(PostgresOffsetBackingStore.PASSWORD, nullToEmpty(password));
        p.setProperty(PostgresOffsetBackingStore.TABLE, audit.offsetTable());
        p.setProperty("offset.flush.interval.ms", Long.toString(audit.offsetFlushInterval().toMillis()));

        p.setProperty("database.hostname", host);
        p.setProperty("database.port", port);
        p.setProperty("database.dbname", database);
        p.setProperty("database.user", nullToEmpty(username));
        p.setProperty("database.password", nullToEmpty(password));

        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("slot.name", slotName(audit, database));
        p.setProperty("publication.name", audit.publicationName());
        // the publication holds exactly the captured tables: the WAL of the bookkeeping tables is not decoded
        p.setProperty("publication.autocreate.mode", "filtered");
        p.setProperty("table.include.list", includeList(audit.auditedTables(), audit.outboxTable(), audit.heartbeatTable()));
        p.setProperty("snapshot.mode", audit.snapshotMode());
        p.setProperty("poll.interval.ms", Long.toString(audit.pollInterval().toMillis()));
        p.setProperty("heartbeat.interval.ms", Long.toString(audit.heartbeatInterval().toMillis()));
        if (!audit.heartbeatTable().isEmpty()) {
            // a captured write on every heartbeat: the connector then sees and confirms a newer LSN even when
            // the audited tables are idle and only other databases write WAL, so the slot releases it
            p.setProperty("heartbeat.action.query", "insert into " + audit.heartbeatTable()
                    + " (id, beat_at) values (1, now()) on conflict (id) do update set beat_at = excluded.beat_at");
        }
        // deletes are audited as DELETE changes; Kafka tombstones would only be noise for our consumers
        p.setProperty("tombstones.on.delete", "false");

        // readable JSON values in the audit stream: no base64 decimals, ISO temporals, JSON hstore
        p.setProperty("decimal.handling.mode", "string");
        p.setProperty("time.precision.mode", "isostring");
        p.setProperty("interval.handling.mode", "string");
        p.setProperty("hstore.handling.mode", "json");

        audit.debezium().forEach(p::setProperty);
        return p;
    }

    /** Debezium reads the list as regular expressions: quote the dots of the qualified names. */
    private static String includeList(List<String> audited, String outbox, String heartbeat) {
        return Stream.concat(audited.stream(), Stream.of(outbox, heartbeat))
                .filter(table -> !table.isEmpty())
                .map(table -> table.replace(".", "\\."))
                .collect(Collectors.joining(","));
    }

    /** The replication slot on the database that {@code jdbcUrl} names. */
    static String slotNameFor(AuditProperties audit, String jdbcUrl) {
        return slotName(audit, parse(jdbcUrl).getProperty("PGDBNAME"));
    }

    /** The configured slot name, or one derived from the database name. */
    private static String slotName(AuditProperties audit, String databaseName) {
        if (audit.slotName() != null && !audit.slotName().isBlank()) {
            return audit.slotName();
        }
        // slot names: lower-case letters, digits and underscores, at most 63 characters
        String derived = "audit_" + databaseName.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        if (derived.length() > 63) {
            String hash = Integer.toHexString(databaseName.hashCode());
            derived = derived.substring(0, 63 - hash.length() - 1) + "_" + hash;
        }
        return derived;
    }

    static String offsetApplicationName(String instanceId) {
        return "audit-offsets-" + instanceId;
    }

    private static Properties parse(String jdbcUrl) {
        Properties url = Driver.parseURL(jdbcUrl, null);
        if (url == null) {
            throw new IllegalArgumentException("not a PostgreSQL JDBC URL: " + jdbcUrl);
        }
        return url;
    }

    private static String withApplicationName(String jdbcUrl, String name) {
        if (jdbcUrl.contains("ApplicationName=")) {
            return jdbcUrl;
        }
        return jdbcUrl + (jdbcUrl.contains("?") ? "&" : "?") + "ApplicationName=" + name;
    }

    private static String nullToEmpty(@Nullable String s) {
        return s == null ? "" : s;
    }
}
