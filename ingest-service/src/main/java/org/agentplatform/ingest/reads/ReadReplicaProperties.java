package org.agentplatform.ingest.reads;

import java.time.Duration;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The streaming read replica the read endpoints use.
 *
 * @param url          its JDBC URL; unset: every read goes to the primary
 * @param username     unset: the primary's ({@code spring.datasource.username})
 * @param password     unset: the primary's
 * @param maxWait      how long a read waits for the replica to replay past the primary's position at the start of
 *                     the read before it is served by the primary instead
 * @param passOver     how long reads skip the replica after one was passed over for the primary
 * @param maxLagBytes  replay lag beyond which the replica's health is DOWN (reads still succeed, on the primary)
 * @param poolSize     connections to the replica
 */
@ConfigurationProperties(prefix = "ingest.read-replica")
record ReadReplicaProperties(@Nullable String url, @Nullable String username, @Nullable String password,
                             @DefaultValue("1s") Duration maxWait, @DefaultValue("5s") Duration passOver,
                             @DefaultValue("67108864") long maxLagBytes,
                             @DefaultValue("8") int poolSize) {

    ReadReplicaProperties {
        if (maxWait.isNegative() || passOver.isNegative() || maxLagBytes < 0 || poolSize < 1) {
            throw new IllegalArgumentException("ingest.read-replica needs max-wait >= 0, pass-over >= 0, "
                    + "max-lag-bytes >= 0 and pool-size >= 1");
        }
        if (url != null && url.isBlank()) {
            url = null;
        }
    }
}
