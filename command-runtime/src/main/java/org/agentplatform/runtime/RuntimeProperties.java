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
 *                          It bounds how long a worker may still wait after the database is back (up to the cap
 *                          once the outage outlasts the first retries); 2 s costs one failed attempt per consumer
 *                          thread every 2 s while the database is down
 *
 * <p>How the group treats an instance (session timeout, heartbeat, assignor, static membership) is
 * {@link ConsumerGroupSettings}, under the same prefix and shared with the audit worker's consumer.
 */
@ConfigurationProperties(prefix = "platform.consumer")
public record RuntimeProperties(
        String groupId,
        @DefaultValue("1") int concurrency,
        @DefaultValue("500") int maxPollRecords,
        @DefaultValue("true") boolean deleteOutboxRows,
        @DefaultValue("200ms") Duration retryBackoff,
        @DefaultValue("2s") Duration maxRetryBackoff) {
}
