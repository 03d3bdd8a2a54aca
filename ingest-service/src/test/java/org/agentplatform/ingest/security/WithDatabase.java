package org.agentplatform.ingest.security;

import org.agentplatform.embedded.TestEnvironment;
import org.agentplatform.embedded.TestServers;
import org.agentplatform.ingest.keys.ApiKeys;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeAll;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The ingest service alone on its own environment (no workers): its security chains over real HTTP, with the
 * schema migrated and keys made with {@link ApiKeys} directly, since no agent needs to exist for its key to work.
 * Subclasses give the {@code @SpringBootTest} with their properties; {@link #ADMIN} is the admin key to configure.
 */
abstract class WithDatabase {

    static final String ADMIN = "test-admin-key-0123456789abcdef";

    static final TestEnvironment env = TestServers.newEnvironment();

    @DynamicPropertySource
    static void servers(DynamicPropertyRegistry registry) {
        env.register(registry);
    }

    @BeforeAll
    static void schema() {
        Flyway.configure().dataSource(env.jdbcUrl(), env.username(), env.password()).load().migrate();
    }

    @LocalServerPort
    int port;

    @Autowired
    ApiKeys keys;
}
