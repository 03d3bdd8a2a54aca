package org.agentplatform.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import org.agentplatform.embedded.TestEnvironment;
import org.agentplatform.embedded.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.listener.ConcurrentMessageListenerContainer;

/** Readiness is true only while the audit-log consumer is in its group and the engine (or its standby) runs. */
class AuditReadinessTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private ConfigurableApplicationContext context;

    @AfterEach
    void close() {
        if (context != null) {
            context.close();
        }
    }

    @Test
    void readinessFollowsTheConsumerAndTheEngine() throws Exception {
        TestEnvironment env = TestServers.newEnvironment();
        context = AuditWorkers.start(env, "--platform.audit.instance-id=r");
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
        String port = context.getEnvironment().getProperty("local.server.port");
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health/readiness"))
                .GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
