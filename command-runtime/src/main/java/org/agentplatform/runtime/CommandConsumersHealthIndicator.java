package org.agentplatform.runtime;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * Ready only once every command consumer has joined its group (received its first assignment: until then the
 * instance applies nothing, whatever else is up) and while every one runs. A stopped container (fatal error, or
 * stopped by an operator) takes the instance out of readiness so that the orchestrator notices and replaces it.
 */
class CommandConsumersHealthIndicator implements HealthIndicator {

    private final CommandConsumers consumers;

    CommandConsumersHealthIndicator(CommandConsumers consumers) {
        this.consumers = consumers;
    }

    @Override
    public Health health() {
        Map<String, Object> details = new LinkedHashMap<>();
        boolean allRunning = true;
        for (var container : consumers.containers()) {
            boolean joined = consumers.joinedGroup(container);
            boolean running = container.isRunning() && container.isInExpectedState() && joined;
            allRunning &= running;
            details.put(container.getBeanName(), Map.of(
                    "running", container.isRunning(),
                    "joinedGroup", joined,
                    "assignedPartitions", String.valueOf(container.getAssignedPartitions())));
        }
        return (allRunning ? Health.up() : Health.down()).withDetails(details).build();
    }
}
