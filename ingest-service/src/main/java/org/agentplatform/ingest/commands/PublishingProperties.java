package org.agentplatform.ingest.commands;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How long a request waits for the broker's acknowledgement, and what it tells the client when it did
 * not come.
 *
 * @param timeout    the whole budget of one publish; the producer's own timeouts are derived from it
 * @param retryAfter the {@code Retry-After} of a 503 answered when the broker did not acknowledge in time
 */
@ConfigurationProperties(prefix = "ingest.publishing")
record PublishingProperties(@DefaultValue("5s") Duration timeout, @DefaultValue("5s") Duration retryAfter) {

    PublishingProperties {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("ingest.publishing.timeout must be positive");
        }
    }
}
