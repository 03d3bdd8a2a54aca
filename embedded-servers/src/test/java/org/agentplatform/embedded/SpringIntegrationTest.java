package org.agentplatform.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** TestEnvironment in a real Spring Boot test context. */
@SpringBootTest(classes = SpringIntegrationTest.App.class, properties = "logging.level.state.change.logger=ERROR")
class SpringIntegrationTest {

    static final TestEnvironment ENV = TestServers.newEnvironment();

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry registry) {
        ENV.register(registry);
    }

    @Autowired
    Environment environment;

    @Test
    void propertiesReachTheContextAndKafkaLoggersStayQuietAfterBootInitialisesLogging() {
        assertThat(environment.getProperty("spring.datasource.url")).isEqualTo(ENV.jdbcUrl());
        assertThat(environment.getProperty("spring.datasource.username")).isEqualTo("postgres");
        assertThat(environment.getProperty("spring.kafka.bootstrap-servers")).isEqualTo(ENV.bootstrapServers());
        assertThat(environment.getProperty("platform.topics.prefix")).isEqualTo(ENV.topicPrefix());
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        assertThat(context.getLogger("kafka").getEffectiveLevel()).isEqualTo(Level.WARN);
        assertThat(context.getLogger("org.apache.kafka.controller").getEffectiveLevel()).isEqualTo(Level.WARN);
        // the application's own configuration wins over the defaults
        assertThat(context.getLogger("state.change.logger").getEffectiveLevel()).isEqualTo(Level.ERROR);
    }

    @Configuration(proxyBeanMethods = false)
    static class App {
    }
}
