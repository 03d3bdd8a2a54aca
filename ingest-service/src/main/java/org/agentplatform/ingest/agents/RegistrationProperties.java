package org.agentplatform.ingest.agents;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How long {@code POST /agents} waits for the ledger to register the agent before answering 202 without a key.
 *
 * @param timeout      the bound on the wait (the request holds a thread, never a database connection)
 * @param pollInterval how often the outcome is looked for meanwhile
 */
@ConfigurationProperties(prefix = "ingest.registration")
record RegistrationProperties(@DefaultValue("10s") Duration timeout, @DefaultValue("50ms") Duration pollInterval) {

    RegistrationProperties {
        if (timeout.isNegative() || pollInterval.isNegative() || pollInterval.isZero()) {
            throw new IllegalArgumentException("ingest.registration.timeout must be >= 0 and poll-interval > 0");
        }
    }
}
