package org.agentplatform.runtime;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the command consumers of a worker.
 *
 * @param groupId           the consumer group; every instance of one worker shares it
 * @param concurrency       consumer threads per instance
 * @param maxPollRecords    the largest batch applied in one transaction
 * @param deleteOutboxRows  delete outbox rows in the transaction that wrote them (the WAL keeps them for CDC)
 * @param retryBackoff      first delay before a batch that failed transiently (database down) is retried
 * @param maxRetryBackoff   the cap of the exponential retry delay; transient failures are retried until they pass.
 *                          It bounds how long a worker idles after the database is back (the chaos run measured
 *                          9-11 s with a 10 s cap after a 3-5 s outage); 2 s costs one failed attempt per consumer
 *                          thread every 2 s while the database is down
 * @param sessionTimeout    how long the group waits for a silent instance before its partitions move on: Kafka's
 *                          default (45 s) stalls a killed instance's partitions that long; 6 s is the broker's minimum
 * @param heartbeatInterval how often an instance tells the group it lives (a third of the session timeout or less)
 * @param instanceId        static membership: a stable id per instance (e.g. the pod name) lets a restart within the
 *                          session timeout take its partitions back without a rebalance; unset, membership is dynamic
 */
@ConfigurationProperties(prefix = "platform.consumer")
public record RuntimeProperties(
        String groupId,
        @DefaultValue("1") int concurrency,
        @DefaultValue("500") int maxPollRecords,
        @DefaultValue("true") boolean deleteOutboxRows,
        @DefaultValue("200ms") Duration retryBackoff,
        @DefaultValue("2s") Duration maxRetryBackoff,
        @DefaultValue("6s") Duration sessionTimeout,
        @DefaultValue("2s") Duration heartbeatInterval,
        String instanceId) {
}
