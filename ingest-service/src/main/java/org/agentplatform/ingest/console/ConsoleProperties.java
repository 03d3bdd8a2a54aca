package org.agentplatform.ingest.console;

import java.net.URI;
import java.time.Duration;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param auditUrl       the audit worker's base URL ({@code GET <auditUrl>/audit/verify}); unset, the console says so
 * @param auditTimeout   how long one verification may take before the audit worker counts as unreachable
 * @param auditMaxAge    the overview reuses a verification this recent (a verification walks the whole chain)
 * @param bulkPageSize   a bulk cancel reads the matching jobs this many at a time
 */
@ConfigurationProperties(prefix = "ingest.console")
record ConsoleProperties(@Nullable URI auditUrl, @DefaultValue("10s") Duration auditTimeout,
                         @DefaultValue("30s") Duration auditMaxAge, @DefaultValue("500") int bulkPageSize) {

    ConsoleProperties {
        if (bulkPageSize < 1 || bulkPageSize > 10_000) {
            throw new IllegalArgumentException("ingest.console.bulk-page-size must be 1..10000, not " + bulkPageSize);
        }
    }
}
