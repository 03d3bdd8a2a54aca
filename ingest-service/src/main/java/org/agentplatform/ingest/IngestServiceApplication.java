package org.agentplatform.ingest;

import java.time.Clock;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.annotation.Bean;

/**
 * The HTTP entry point for producers: validates commands, publishes them to Kafka and answers 202 with
 * the command id; reads state and command outcomes from PostgreSQL.
 *
 * <p>Flyway's auto-configuration is excluded by name: the workers own the schema, and it is on the classpath
 * where ingest shares a JVM with them (the local stack, tests with workers).
 */
@SpringBootApplication(excludeName = "org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration")
@ConfigurationPropertiesScan
public class IngestServiceApplication {

    /** Each app reads its own {@code <name>.yml}, so several can share one JVM in the local stack. */
    public static SpringApplicationBuilder application() {
        return new SpringApplicationBuilder(IngestServiceApplication.class)
                .properties("spring.config.name=ingest-service");
    }

    public static void main(String[] args) {
        application().run(args);
    }

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }
}
