package org.agentplatform.audit;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The audit worker: a Debezium engine reading the WAL of the ledger database, publishing outbox rows
 * as domain events and every change of the audited tables to the audit stream.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class AuditWorkerApplication {

    /**
     * Several apps share one JVM in the local stack, so each reads its own {@code audit-worker.yml}
     * instead of {@code application.yml}.
     */
    public static SpringApplicationBuilder application() {
        return new SpringApplicationBuilder(AuditWorkerApplication.class).properties("spring.config.name=audit-worker");
    }

    public static void main(String[] args) {
        application().run(args);
    }
}
