package org.agentplatform.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class LogLevelsTest {

    private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();

    @AfterEach
    void restoreLogbackTestConfig() throws Exception {
        context.reset();
        new ContextInitializer(context).autoConfig();
    }

    @Test
    void kafkaLoggersAreWarnAndStaySoWhenLogbackIsReset() {
        LogLevels.quietKafka();
        for (String name : LogLevels.KAFKA_LOGGERS) {
            assertThat(context.getLogger(name).getLevel()).as(name).isEqualTo(Level.WARN);
        }
        // what Spring Boot's LogbackLoggingSystem does when a context starts
        context.reset();
        for (String name : LogLevels.KAFKA_LOGGERS) {
            assertThat(context.getLogger(name).getLevel()).as(name).isEqualTo(Level.WARN);
        }
        assertThat(context.getLogger("org.apache.kafka.clients.producer.KafkaProducer").getEffectiveLevel())
                .isEqualTo(Level.WARN);
    }

    @Test
    void anExplicitlyConfiguredLevelWins() {
        context.getLogger("org.apache.kafka").setLevel(Level.DEBUG);
        LogLevels.quietKafka();
        assertThat(context.getLogger("org.apache.kafka").getLevel()).isEqualTo(Level.DEBUG);
        assertThat(context.getLogger("kafka").getLevel()).isEqualTo(Level.WARN);
    }
}
