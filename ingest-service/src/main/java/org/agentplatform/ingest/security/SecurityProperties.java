package org.agentplatform.ingest.security;

import java.time.Duration;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param adminKey            the bearer token of the admin role, which bootstraps agents (register, grant, keys).
 *                            Unset, there is no admin: it is never given a default, so no deployment runs with a
 *                            known key.
 * @param consoleLoginAttempts console login attempts per caller address per minute, per instance: past them the
 *                            form says to wait (guessing the key is hopeless anyway; this keeps the log and the
 *                            key check quiet)
 * @param consoleSessionMaxAge how long a console session lasts however busy it is (an open overview refreshes
 *                            itself, so the idle timeout alone would never end it): then the admin logs in again
 */
@ConfigurationProperties(prefix = "ingest.security")
record SecurityProperties(@Nullable String adminKey, @DefaultValue("10") int consoleLoginAttempts,
                          @DefaultValue("8h") Duration consoleSessionMaxAge) {

    /** Long enough that guessing it is not an option. */
    static final int MIN_ADMIN_KEY_LENGTH = 24;

    SecurityProperties {
        if (consoleSessionMaxAge.isNegative() || consoleSessionMaxAge.isZero()) {
            throw new IllegalArgumentException("ingest.security.console-session-max-age must be positive");
        }
        if (consoleLoginAttempts < 1) {
            throw new IllegalArgumentException("ingest.security.console-login-attempts must be at least 1");
        }
        if (adminKey != null && !adminKey.isBlank() && adminKey.strip().length() < MIN_ADMIN_KEY_LENGTH) {
            throw new IllegalArgumentException("ingest.security.admin-key must have at least " + MIN_ADMIN_KEY_LENGTH
                    + " characters");
        }
    }
}
