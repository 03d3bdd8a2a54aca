package org.agentplatform.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;

class ContainersNeedDockerTest {

    @AfterEach
    void embeddedAgain() {
        System.clearProperty(TestServers.MODE_PROPERTY);
    }

    @Test
    void theEmbeddedDefaultNeverDisablesATest() {
        assertThat(TestServers.containersRequested()).isFalse();
        assertThat(new ContainersNeedDocker().evaluateExecutionCondition(null).isDisabled()).isFalse();
    }

    @Test
    void askingForContainersRunsWithDockerAndSkipsWithTheReasonWithout() {
        System.setProperty(TestServers.MODE_PROPERTY, "containers");
        assertThat(TestServers.containersRequested()).isTrue();
        ConditionEvaluationResult result = new ContainersNeedDocker().evaluateExecutionCondition(null);
        if (ContainerServers.dockerAvailable()) {
            assertThat(result.isDisabled()).isFalse();
        } else {
            assertThat(result.isDisabled()).isTrue();
            assertThat(result.getReason()).hasValueSatisfying(reason -> assertThat(reason).contains("no Docker engine"));
        }
    }
}
