package org.agentplatform.runtime;

import java.time.Duration;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How every consumer group of the platform behaves in the group ({@code platform.consumer.*}): the command
 * consumers of the workers and the audit worker's audit-log consumer. The one place these are defined.
 *
 * @param sessionTimeout    how long the group waits for a silent instance before its partitions move on: Kafka's
 *                          default (45 s) stalls a killed instance's partitions that long; 6 s is the broker's minimum
 * @param heartbeatInterval how often an instance tells the group it lives (a third of the session timeout or less);
 *                          a survivor also learns of a rebalance from a heartbeat, so 1 s lets it take a killed
 *                          instance's partitions a second sooner than 2 s
 * @param instanceId        static membership: a stable id per instance (e.g. the pod name) lets a restart within the
 *                          session timeout take its partitions back without a rebalance; unset, membership is dynamic
 */
@ConfigurationProperties(prefix = "platform.consumer")
public record ConsumerGroupSettings(
        @DefaultValue("6s") Duration sessionTimeout,
        @DefaultValue("1s") Duration heartbeatInterval,
        String instanceId) {

    /** Puts these settings into a consumer configuration. */
    public Map<String, Object> applyTo(Map<String, Object> config) {
        config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, (int) sessionTimeout.toMillis());
        config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, (int) heartbeatInterval.toMillis());
        // Cooperative: a rebalance moves only the partitions that change owner; the others keep being consumed.
        config.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        if (instanceId != null && !instanceId.isBlank()) {
            // the container appends -0, -1, ... per consumer thread
            config.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId);
        }
        return config;
    }
}
