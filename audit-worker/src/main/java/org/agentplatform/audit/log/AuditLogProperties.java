package org.agentplatform.audit.log;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the audit log consumer ({@code platform.audit.log.*}).
 *
 * @param enabled        whether this instance consumes {@code audit.changes} into {@code audit_log}
 * @param group          consumer group, after the topic prefix
 * @param maxPollRecords largest batch, i.e. most changes appended in one transaction
 * @param retryInterval  wait before a batch that failed (database or broker down) is tried again; it is
 *                       retried until it succeeds, never dead-lettered: an audit change must not be skipped
 */
@ConfigurationProperties(prefix = "platform.audit.log")
record AuditLogProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("audit-log") String group,
        @DefaultValue("500") int maxPollRecords,
        @DefaultValue("1s") Duration retryInterval) {
}
