package org.agentplatform.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;

class TestServersTest {

    @Test
    void serversAreSharedPerJvmAndStartedOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<Object>> calls = List.of(TestServers::postgres, TestServers::kafka, TestServers::postgres,
                    TestServers::kafka);
            List<Future<Object>> results = pool.invokeAll(calls);
            assertThat(results.get(0).get()).isSameAs(results.get(2).get()).isSameAs(TestServers.postgres());
            assertThat(results.get(1).get()).isSameAs(results.get(3).get()).isSameAs(TestServers.kafka());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void newEnvironmentGivesAnIsolatedDatabaseAndTopicPrefix() throws Exception {
        long t0 = System.nanoTime();
        TestEnvironment a = TestServers.newEnvironment();
        System.out.printf("first newEnvironment() took %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        TestEnvironment b = TestServers.newEnvironment();

        assertThat(a.databaseName()).isNotEqualTo(b.databaseName());
        assertThat(a.topicPrefix()).isNotEqualTo(b.topicPrefix()).matches("t[0-9a-f]{8}\\.");
        assertThat(a.bootstrapServers()).isEqualTo(TestServers.kafka().bootstrapServers());
        assertThat(a.jdbcUrl()).isEqualTo(TestServers.postgres().jdbcUrl(a.databaseName()));

        Properties props = new Properties();
        props.setProperty("user", a.username());
        props.setProperty("password", a.password());
        try (Connection c = DriverManager.getConnection(a.jdbcUrl(), props);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT current_database()")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo(a.databaseName());
        }

        String topic = a.topic("events");
        assertThat(topic).isEqualTo(a.topicPrefix() + "events");
        TestServers.kafka().createTopics(1, topic);
        KafkaServerTest.send(TestServers.kafka(), topic, "k", "v");
        assertThat(KafkaServerTest.readAll(TestServers.kafka(), topic, 1)).extracting(ConsumerRecord::value)
                .containsExactly("v");
    }

    @Test
    void environmentsCanBeCreatedConcurrently() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<TestEnvironment>> calls = new java.util.ArrayList<>();
            for (int i = 0; i < 16; i++) {
                calls.add(TestServers::newEnvironment);
            }
            java.util.Set<String> names = new java.util.HashSet<>();
            java.util.Set<String> prefixes = new java.util.HashSet<>();
            for (Future<TestEnvironment> f : pool.invokeAll(calls)) {
                names.add(f.get().databaseName());
                prefixes.add(f.get().topicPrefix());
            }
            assertThat(names).hasSize(16);
            assertThat(prefixes).hasSize(16);
            try (Connection c = TestServers.postgres().adminDataSource().getConnection();
                 Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT datname FROM pg_database")) {
                java.util.Set<String> existing = new java.util.HashSet<>();
                while (rs.next()) {
                    existing.add(rs.getString(1));
                }
                assertThat(existing).containsAll(names);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void springPropertiesAndRegistry() {
        TestEnvironment env = new TestEnvironment("jdbc:postgresql://localhost:1/db", "postgres", "pw",
                "127.0.0.1:2", "tabc.", "db");
        assertThat(env.springProperties()).containsExactly(
                Map.entry("spring.datasource.url", "jdbc:postgresql://localhost:1/db"),
                Map.entry("spring.datasource.username", "postgres"),
                Map.entry("spring.datasource.password", "pw"),
                Map.entry("spring.kafka.bootstrap-servers", "127.0.0.1:2"),
                Map.entry("platform.topics.prefix", "tabc."));
        Map<String, Object> registered = new HashMap<>();
        DynamicPropertyRegistry registry = (name, supplier) -> registered.put(name, supplier.get());
        env.register(registry);
        assertThat(registered).isEqualTo(env.springProperties());
    }
}
