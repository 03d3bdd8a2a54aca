package org.agentplatform.audit.log;

import java.util.LinkedHashMap;
import java.util.Map;

import org.agentplatform.runtime.GroupMembership;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;

/**
 * Part of readiness: the audit-log consumer runs and has joined its group (received its assignment, which is
 * empty when there are more instances than partitions); before that this instance appends nothing. UP without
 * a consumer ({@code platform.audit.log.enabled=false}): then there is nothing to wait for.
 */
class AuditLogHealthIndicator implements HealthIndicator {

    private final @Nullable ConcurrentMessageListenerContainer<String, byte[]> container;
    private final @Nullable GroupMembership membership;

    /** Both null when this instance does not consume the audit stream. */
    AuditLogHealthIndicator(@Nullable ConcurrentMessageListenerContainer<String, byte[]> container,
                            @Nullable GroupMembership membership) {
        this.container = container;
        this.membership = membership;
    }

    @Override
    public Health health() {
        if (container == null || membership == null) {
            return Health.up().withDetail("enabled", false).build();
        }
        boolean running = container.isRunning() && container.isInExpectedState();
        boolean joined = membership.joined(container.getConcurrency());
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("group", membership.groupId());
        details.put("running", running);
        details.put("joinedGroup", joined);
        details.put("assignedPartitions", String.valueOf(container.getAssignedPartitions()));
        return (running && joined ? Health.up() : Health.down()).withDetails(details).build();
    }
}
