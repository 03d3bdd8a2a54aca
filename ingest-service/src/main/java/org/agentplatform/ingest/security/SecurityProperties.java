package org.agentplatform.ingest.security;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * @param adminKey the bearer token of the admin role, which bootstraps agents (register, grant, keys). Unset,
 *                 there is no admin: it is never given a default, so no deployment runs with a known key.
 */
@ConfigurationProperties(prefix = "ingest.security")
record SecurityProperties(@Nullable String adminKey) {

    /** Long enough that guessing it is not an option. */
    static final int MIN_ADMIN_KEY_LENGTH = 24;

    SecurityProperties {
        if (adminKey != null && !adminKey.isBlank() && adminKey.strip().length() < MIN_ADMIN_KEY_LENGTH) {
            throw new IllegalArgumentException("ingest.security.admin-key must have at least " + MIN_ADMIN_KEY_LENGTH
                    + " characters");
        }
    }
}
