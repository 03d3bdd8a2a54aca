package org.agentplatform.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.agentplatform.stack.LocalStack;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The benchmark's combined deployment: the four services in one JVM, as the local run deploys them
 * ({@link LocalStack#startServices}), on the servers the arguments name. Arguments are the services' own
 * ({@code --key=value}, as each service in a JVM of its own gets them); {@code --server.port} is the ingest service's
 * and the workers sit next to it. SIGTERM closes them in reverse order.
 */
final class CombinedServices {

    private CombinedServices() {
    }

    public static void main(String[] args) {
        Map<String, Object> properties = new LinkedHashMap<>();
        for (String arg : args) {
            if (!arg.startsWith("--") || !arg.contains("=")) {
                throw new IllegalArgumentException("expected --key=value, not " + arg);
            }
            int eq = arg.indexOf('=');
            properties.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        Object port = properties.remove("server.port");
        Object adminKey = properties.remove("ingest.security.admin-key");
        if (port == null || adminKey == null) {
            throw new IllegalArgumentException("--server.port and --ingest.security.admin-key are required");
        }
        List<ConfigurableApplicationContext> apps = LocalStack.startServices(properties,
                Integer.parseInt(port.toString()), adminKey.toString(), null);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LocalStack.close(apps), "combined-services-shutdown"));
    }
}
