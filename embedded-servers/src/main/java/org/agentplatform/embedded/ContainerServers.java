package org.agentplatform.embedded;

import java.util.Map;

import javax.sql.DataSource;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.utils.AppInfoParser;
import org.jspecify.annotations.Nullable;
import org.postgresql.ds.PGSimpleDataSource;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * PostgreSQL 16 and Kafka in containers, for machines with Docker: the same images and settings as
 * docker-compose.yml. Only loaded when {@link TestServers#containersRequested()}; Testcontainers' reaper
 * removes the containers when the JVM ends.
 */
final class ContainerServers {

    private static @Nullable PostgresEndpoint postgres;
    private static @Nullable KafkaEndpoint kafka;

    private ContainerServers() {
    }

    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    static synchronized PostgresEndpoint postgres() {
        if (postgres == null) {
            PostgreSQLContainer container = new PostgreSQLContainer("postgres:16")
                    .withCommand("postgres", "-c", "wal_level=logical", "-c", "max_replication_slots=32",
                            "-c", "max_wal_senders=32", "-c", "synchronous_commit=on", "-c", "max_connections=400");
            container.start();
            postgres = new ContainerPostgres(container);
        }
        return postgres;
    }

    static synchronized KafkaEndpoint kafka() {
        if (kafka == null) {
            // The broker version the clients were built against, as in docker-compose.yml.
            KafkaContainer container = new KafkaContainer("apache/kafka:" + AppInfoParser.getVersion());
            container.start();
            Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, container.getBootstrapServers()));
            kafka = new KafkaEndpoint() {
                @Override
                public String bootstrapServers() {
                    return container.getBootstrapServers();
                }

                @Override
                public void createTopics(int partitions, String... topics) {
                    KafkaServer.createTopics(admin, partitions, topics);
                }
            };
        }
        return kafka;
    }

    private record ContainerPostgres(PostgreSQLContainer container) implements PostgresEndpoint {

        @Override
        public String jdbcUrl(String database) {
            return "jdbc:postgresql://" + container.getHost() + ":" + container.getMappedPort(5432) + "/" + database
                    + "?reWriteBatchedInserts=true";
        }

        @Override
        public String username() {
            return container.getUsername();
        }

        @Override
        public String password() {
            return container.getPassword();
        }

        @Override
        public DataSource adminDataSource() {
            return dataSource("postgres");
        }

        @Override
        public DataSource dataSource(String database) {
            PGSimpleDataSource ds = new PGSimpleDataSource();
            ds.setUrl(jdbcUrl(database));
            ds.setUser(username());
            ds.setPassword(password());
            return ds;
        }
    }
}
