package org.agentplatform.embedded;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * An isolated environment on the shared servers of a test JVM: its own database and its own topic
 * prefix (e.g. {@code "t7f3a09c2."}). Created by {@link TestServers#newEnvironment()}.
 */
public record TestEnvironment(String jdbcUrl, String username, String password, String bootstrapServers,
                              String topicPrefix, String databaseName) {

    /**
     * {@code spring.datasource.url/username/password}, {@code spring.kafka.bootstrap-servers},
     * {@code platform.topics.prefix}.
     */
    public Map<String, Object> springProperties() {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("spring.datasource.url", jdbcUrl);
        p.put("spring.datasource.username", username);
        p.put("spring.datasource.password", password);
        p.put("spring.kafka.bootstrap-servers", bootstrapServers);
        p.put("platform.topics.prefix", topicPrefix);
        return Collections.unmodifiableMap(p);
    }

    /** Registers {@link #springProperties()}, for use in a {@code @DynamicPropertySource} method. */
    public void register(DynamicPropertyRegistry registry) {
        springProperties().forEach((key, value) -> registry.add(key, () -> value));
    }

    /**
     * {@link #springProperties()} as {@code --key=value} arguments, followed by {@code extra}: for starting an
     * application by hand, where arguments outrank the application's own configuration files.
     */
    public String[] commandLineArgs(String... extra) {
        java.util.List<String> args = new java.util.ArrayList<>();
        springProperties().forEach((key, value) -> args.add("--" + key + "=" + value));
        args.addAll(java.util.List.of(extra));
        return args.toArray(String[]::new);
    }

    /** {@code topicPrefix + name}. */
    public String topic(String name) {
        return topicPrefix + name;
    }
}
