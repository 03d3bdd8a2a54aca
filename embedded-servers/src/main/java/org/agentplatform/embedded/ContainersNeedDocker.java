package org.agentplatform.embedded;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Registered for every test class (JUnit extension auto-detection, set in the build): when the tests are
 * asked to run against containers and there is no Docker engine, they are skipped with that reason
 * rather than failing on a missing socket. With the embedded default this never disables anything.
 */
public final class ContainersNeedDocker implements ExecutionCondition {

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (!TestServers.containersRequested()) {
            return ConditionEvaluationResult.enabled("embedded servers");
        }
        return ContainerServers.dockerAvailable()
                ? ConditionEvaluationResult.enabled("Docker is available for the containers")
                : ConditionEvaluationResult.disabled("-D" + TestServers.MODE_PROPERTY + "=containers asks for "
                        + "PostgreSQL and Kafka containers, but no Docker engine is reachable here; run without it to "
                        + "use the embedded servers");
    }
}
