package org.agentplatform.embedded;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Default {@code logging.level.*=WARN} for the embedded broker's loggers in every Spring Boot
 * application that has this module on its classpath (tests and the local run). Spring Boot resets
 * logback when it initialises logging, which undoes the levels that {@link KafkaServer} sets, so the
 * defaults are given to Boot itself, as the lowest-precedence property source: any
 * {@code logging.level.*} from the application's own configuration still wins.
 */
public final class KafkaLoggingDefaults implements EnvironmentPostProcessor {

    static final String PROPERTY_SOURCE_NAME = "embeddedServersKafkaLoggingDefaults";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (environment.getPropertySources().contains(PROPERTY_SOURCE_NAME)) {
            return;
        }
        Map<String, Object> levels = new LinkedHashMap<>();
        for (String logger : LogLevels.KAFKA_LOGGERS) {
            levels.put("logging.level." + logger, "WARN");
        }
        environment.getPropertySources().addLast(new MapPropertySource(PROPERTY_SOURCE_NAME, levels));
    }
}
