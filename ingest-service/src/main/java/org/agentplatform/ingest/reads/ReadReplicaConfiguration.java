package org.agentplatform.ingest.reads;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.util.StringUtils;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import io.micrometer.core.instrument.MeterRegistry;

/**
 * The replica's pool and the {@link ReadSource} over it. Not a {@code DataSource} bean: that would switch off Spring
 * Boot's own, the primary's, which everything else (writes, keys, idempotency, outcomes) uses.
 */
@Configuration(proxyBeanMethods = false)
class ReadReplicaConfiguration {

    /** Set and not blank (an empty environment variable means none). */
    /**
     * Whether a replica URL is set, and not blank (Compose passes an unset variable as ""): a condition of its own,
     * since a SpEL expression with the URL spliced into a string literal breaks on a quote in the URL.
     */
    static final class Configured implements Condition {
        @Override
        public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
            return StringUtils.hasText(context.getEnvironment().getProperty("ingest.read-replica.url"));
        }
    }

    /** The replica's connections, read-only; closed with the context. Holds, not is, a DataSource (see above). */
    record ReplicaPool(HikariDataSource dataSource) implements AutoCloseable {

        @Override
        public void close() {
            dataSource.close();
        }
    }

    @Bean(destroyMethod = "close")
    @Conditional(Configured.class)
    ReplicaPool readReplicaPool(ReadReplicaProperties properties,
                                @Value("${spring.datasource.username:}") String primaryUser,
                                @Value("${spring.datasource.password:}") String primaryPassword) {
        HikariConfig config = new HikariConfig();
        config.setPoolName("read-replica");
        config.setJdbcUrl(properties.url());
        config.setUsername(properties.username() != null ? properties.username() : primaryUser);
        config.setPassword(properties.password() != null ? properties.password() : primaryPassword);
        config.setReadOnly(true);
        config.setMaximumPoolSize(properties.poolSize());
        // a replica that is down costs a read at most this before it falls back to the primary
        config.setConnectionTimeout(1000);
        // and one that stops answering mid-read (a dropped network) holds no request thread for ever
        config.addDataSourceProperty("socketTimeout", "60");
        config.addDataSourceProperty("options", "-c statement_timeout=30000");
        // start without the replica: reads use the primary until it answers
        config.setInitializationFailTimeout(-1);
        return new ReplicaPool(new HikariDataSource(config));
    }

    @Bean
    ReadSource readSource(DataSource primary, ReadReplicaProperties properties,
                          ObjectProvider<ReplicaPool> replica, MeterRegistry meters) {
        ReplicaPool pool = replica.getIfAvailable();
        return new ReadSource(primary, pool == null ? null : pool.dataSource(), properties.maxWait(),
                properties.passOver(), meters);
    }

    @Bean
    @Conditional(Configured.class)
    ReplicaLag readReplicaHealthIndicator(JdbcClient primary, ReplicaPool replica, ReadReplicaProperties properties,
                                          MeterRegistry meters) {
        return new ReplicaLag(primary, replica.dataSource(), properties.maxLagBytes(), meters);
    }
}
