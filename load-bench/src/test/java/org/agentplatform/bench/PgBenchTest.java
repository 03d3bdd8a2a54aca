package org.agentplatform.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.UUID;

import javax.sql.DataSource;

import org.agentplatform.embedded.PostgresEndpoint;
import org.agentplatform.embedded.TestServers;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The set-based pgbench script writes what the batch applier writes for its transfers, against the migrated schema:
 * an inbox row and a transfer per transfer, between two different accounts, balances that still sum to what they
 * did, and no outbox row left. Run here as pgbench runs it, its variables given and its meta-commands left out.
 */
class PgBenchTest {

    @Test
    void theSetBasedScriptAppliesItsTransfers() {
        PostgresEndpoint pg = TestServers.postgres();
        String database = "pgbench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        pg.createDatabase(database);
        DataSource dataSource = pg.dataSource(database);
        Flyway.configure().dataSource(dataSource).load().migrate();
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        PgBench.prepare(jdbc);
        Long before = jdbc.queryForObject("select sum(balance) from accounts where code like 'pgbench-%'", Long.class);

        String script = PgBench.setBasedScript(PgBench.BATCH, true);
        assertThat(script).contains("\\startpipeline", "\\endpipeline");
        String sql = Arrays.stream(script.split("\n")).filter(line -> !line.startsWith("\\"))
                .filter(line -> !line.equals("BEGIN;") && !line.equals("END;"))
                .map(line -> line.replace(":s::", "987654321::").replace(":oid::", "123456789::"))
                .reduce("", (a, b) -> a + b + "\n");
        new TransactionTemplate(new DataSourceTransactionManager(dataSource)).executeWithoutResult(tx -> {
            for (String statement : sql.split(";\n")) {
                if (!statement.isBlank()) {
                    jdbc.execute(statement);
                }
            }
        });

        assertThat(jdbc.queryForObject("select count(*) from processed_commands where fingerprint = 'pgbench'", Long.class))
                .isEqualTo(PgBench.BATCH);
        assertThat(jdbc.queryForObject("""
                select count(*) from transfers t
                join accounts d on d.id = t.debit_account_id join accounts c on c.id = t.credit_account_id
                where d.code like 'pgbench-%' and c.code like 'pgbench-%' and d.id <> c.id""", Long.class))
                .isEqualTo(PgBench.BATCH);
        assertThat(jdbc.queryForObject("select sum(balance) from accounts where code like 'pgbench-%'", Long.class))
                .isEqualTo(before);
        assertThat(jdbc.queryForObject("select count(*) from accounts where code like 'pgbench-%' and balance <> 1000000000",
                Long.class)).isPositive();
        assertThat(jdbc.queryForObject("select count(*) from outbox", Long.class)).isZero();
    }
}
