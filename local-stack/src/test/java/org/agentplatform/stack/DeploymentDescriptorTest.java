package org.agentplatform.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Keeps docker-compose.yml honest without a Docker engine: every image it names is built by this project
 * (or is a pinned infrastructure image), every service module is in it, and ports, health checks and
 * Prometheus targets agree with the services' own configuration. `.ci/run` also validates the file
 * against the Compose format with {@code docker-compose config}.
 */
class DeploymentDescriptorTest {

    static final Path root = Path.of("..").toAbsolutePath().normalize();
    static final Set<String> serviceModules = Set.of("ingest-service", "ledger-worker", "job-worker", "audit-worker");

    @Test
    @SuppressWarnings("unchecked")
    void everyImageIsBuiltHereOrPinnedInfrastructure() throws IOException {
        Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose().get("services");
        Set<String> built = new TreeSet<>();
        services.forEach((name, service) -> {
            Map<String, Object> build = (Map<String, Object>) service.get("build");
            String image = (String) service.get("image");
            if (build != null) {
                String module = (String) ((Map<String, Object>) build.get("args")).get("SERVICE");
                assertThat(module).as("build arg of %s", name).isEqualTo(name);
                assertThat(image).isEqualTo("agent-platform/" + module + ":latest");
                assertThat(read(root.resolve(module).resolve("pom.xml"))).as("%s builds an exec jar", module)
                        .contains("<classifier>exec</classifier>");
                built.add(module);
            } else {
                assertThat(image).as("image of %s", name).matches(
                        "postgres:16|apache/kafka:" + AppInfoParser.getVersion().replace(".", "\\.")
                                + "|prom/prometheus:v[0-9.]+|grafana/grafana:[0-9.]+|edoburu/pgbouncer:[0-9.]+-p[0-9]+");
            }
        });
        assertThat(built).containsExactlyInAnyOrderElementsOf(serviceModules);
        assertThat(read(root.resolve("Dockerfile"))).contains("${SERVICE}/target/${SERVICE}-*-exec.jar");
    }

    @Test
    @SuppressWarnings("unchecked")
    void portsHealthChecksAndScrapeTargetsMatchTheServices() throws IOException {
        Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose().get("services");
        String prometheus = read(root.resolve("deploy/prometheus/prometheus.yml"));
        for (String module : serviceModules) {
            int port = serverPort(module);
            List<String> healthcheck = (List<String>) ((Map<String, Object>) services.get(module).get("healthcheck")).get("test");
            assertThat(String.join(" ", healthcheck)).contains("localhost:" + port + "/actuator/health/");
            assertThat(prometheus).contains("names: [" + module + "], type: A, port: " + port);
        }
        List<String> postgres = (List<String>) services.get("postgres").get("command");
        assertThat(postgres).contains("wal_level=logical", "synchronous_commit=on");
        assertThat(services.get("postgres")).containsKey("healthcheck");
        assertThat(services.get("kafka")).containsKey("healthcheck");
    }

    /**
     * The workers and ingest reach the primary through PgBouncer in transaction mode, which keeps PgJDBC's prepared
     * statements; what holds session state does not: the audit worker (leader lock, replication slot) and Flyway
     * (migration lock). Ingest's reads go to the streaming replica, which is a standby of the primary.
     */
    @Test
    @SuppressWarnings("unchecked")
    void sessionStateBypassesThePoolAndReadsGoToTheReplica() throws IOException {
        Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) compose().get("services");
        for (String pooled : List.of("ledger-worker", "job-worker", "ingest-service")) {
            Map<String, Object> env = (Map<String, Object>) services.get(pooled).get("environment");
            assertThat(env.get("SPRING_DATASOURCE_URL")).as(pooled).asString().startsWith("jdbc:postgresql://pgbouncer:6432/");
            assertThat(env.get("SPRING_FLYWAY_URL")).as(pooled).asString().startsWith("jdbc:postgresql://postgres:5432/");
        }
        Map<String, Object> audit = (Map<String, Object>) services.get("audit-worker").get("environment");
        assertThat(audit.get("SPRING_DATASOURCE_URL")).asString().startsWith("jdbc:postgresql://postgres:5432/");
        assertThat(((Map<String, Object>) services.get("ingest-service").get("environment")).get("INGEST_READ_REPLICA_URL"))
                .asString().startsWith("jdbc:postgresql://postgres-replica:5432/");
        assertThat(read(root.resolve("deploy/pgbouncer/pgbouncer.ini")))
                .contains("pool_mode = transaction", "max_prepared_statements = 200",
                        "ignore_startup_parameters = extra_float_digits", "host=postgres port=5432");
        assertThat(read(root.resolve("deploy/postgres/replica.sh"))).contains("pg_basebackup -h postgres", " -R ");
        assertThat(read(root.resolve("deploy/postgres/allow-replication.sh"))).contains("host replication all all");
    }

    @Test
    void theDashboardIsProvisioned() throws IOException {
        assertThat(read(root.resolve("deploy/grafana/provisioning/datasources/prometheus.yml"))).contains("http://prometheus:9090");
        try (var dashboards = Files.list(root.resolve("deploy/grafana/dashboards"))) {
            assertThat(dashboards.filter(p -> p.toString().endsWith(".json"))).isNotEmpty();
        }
    }

    @SuppressWarnings("unchecked")
    private static int serverPort(String module) throws IOException {
        Map<String, Object> config = new Yaml().load(read(root.resolve(module + "/src/main/resources/" + module + ".yml")));
        return (Integer) ((Map<String, Object>) config.get("server")).get("port");
    }

    private static Map<String, Object> compose() throws IOException {
        return new Yaml().load(read(root.resolve("docker-compose.yml")));
    }

    private static String read(Path path) {
        try {
            return Files.readString(path);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
