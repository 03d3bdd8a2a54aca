package org.agentplatform.ledger;

import org.agentplatform.runtime.CommandRuntimeConfiguration;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Import;

/** Agents, karma and claims: applies ledger commands from Kafka to PostgreSQL. */
@SpringBootApplication
@Import(CommandRuntimeConfiguration.class)
@ConfigurationPropertiesScan
public class LedgerWorkerApplication {

    /** Each app reads its own {@code <name>.yml}, so several can share one JVM in the local stack. */
    public static SpringApplicationBuilder application() {
        return new SpringApplicationBuilder(LedgerWorkerApplication.class).properties("spring.config.name=ledger-worker");
    }

    public static void main(String[] args) {
        application().run(args);
    }
}
