package org.agentplatform.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;

/** Readiness is true only while the audit-log consumer is in its group and the engine (or its standby) runs. */
class AuditReadinessTest extends AuditWorkerIntegrationTest {

    private ConfigurableApplicationContext context;

    @Test
    void readinessFollowsTheConsumerAndTheEngine() throws Exception {
        context = start("--platform.audit.instance-id=r");
        await().atMost(Duration.ofSeconds(60)).until(() -> readiness() == 200);

        ConcurrentMessageListenerContainer<?, ?> consumer = context.getBean("auditLogContainer",
                ConcurrentMessageListenerContainer.class);
        consumer.stop();
        assertThat(readiness()).as("consumer stopped").isEqualTo(503);
        consumer.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> readiness() == 200);

        context.getBean("cdcEngine", SmartLifecycle.class).stop();
        assertThat(readiness()).as("engine stopped").isEqualTo(503);
    }

    private int readiness() throws Exception {
        return status(context, "/actuator/health/readiness");
    }
}
