package org.agentplatform.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.agentplatform.embedded.PostgresServer;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * PostgreSQL alone, on the same server: pgbench runs the statements one transfer needs (inbox row, two account
 * updates, transfer row, outbox insert and delete) one transfer per transaction and 100 per transaction, against
 * the migrated schema of the naive baseline's database (not the pipeline's: no replication slot reads it).
 */
final class PgBench {

    static final int ACCOUNTS = 1000;
    static final int BATCH = 100;
    private static final Pattern TPS = Pattern.compile("tps = ([0-9.]+) \\(without initial connection time\\)");

    /**
     * @param setBased the batch in a few multi-row statements ({@link #setBasedScript}), as the ledger's batch applier
     *                 writes it, rather than each transfer's statements one after the other
     */
    record Result(String name, int clients, int transfersPerTx, boolean pipelined, boolean setBased, double tps) {
        double transfersPerSecond() {
            return tps * transfersPerTx;
        }
    }

    /** A random outbox id the script can name again to delete it (no \gset, which a pipeline cannot use). */
    private static final String OUTBOX_ID = "('00000000-0000-4000-8000-' || lpad(:oid::text, 12, '0'))::uuid";

    private final Path binary;
    private final PostgresServer pg;
    private final Path dir;

    PgBench(PostgresServer pg, Path dir) {
        this.pg = pg;
        this.dir = dir;
        this.binary = Path.of(System.getProperty("bench.pgbench", "/usr/lib/postgresql/15/bin/pgbench"));
    }

    boolean available() {
        return Files.isExecutable(binary);
    }

    /** Accounts with predictable ids, so that a script can name them from a random number. */
    static void prepare(JdbcTemplate jdbc) {
        jdbc.update("""
                insert into accounts (id, code, balance, created_at, updated_at)
                select ('00000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid, 'pgbench-' || n, 1000000000, now(), now()
                from generate_series(1, ?) n on conflict do nothing""", ACCOUNTS);
    }

    /**
     * Pipelined: the whole transaction is sent without waiting for each statement's answer (pgbench's
     * \startpipeline), which is what the batch applier's multi-row statements achieve; without it a batch pays a
     * round trip per statement, 700 of them per 100 transfers.
     */
    Result run(String name, int transfersPerTx, int clients, boolean pipelined, int seconds)
            throws IOException, InterruptedException {
        return run(name, transfersPerTx, clients, pipelined, false, seconds);
    }

    Result run(String name, int transfersPerTx, int clients, boolean pipelined, boolean setBased, int seconds)
            throws IOException, InterruptedException {
        String tag = transfersPerTx + (setBased ? "-set-based" : "") + (pipelined ? "-pipelined" : "");
        Path script = dir.resolve("transfer-" + tag + ".sql");
        Files.writeString(script, setBased ? setBasedScript(transfersPerTx, pipelined) : script(transfersPerTx, pipelined));
        Path log = dir.resolve("pgbench-" + tag + "-c" + clients + ".log");
        ProcessBuilder builder = new ProcessBuilder(binary.toString(), "-n", "-f", script.toString(), "-c", String.valueOf(clients),
                "-j", String.valueOf(clients), "--max-tries=10", "-M", "prepared", "-T", String.valueOf(seconds), "-h", "localhost", "-p",
                String.valueOf(pg.port()), "-U", pg.username(), NaiveBaseline.DATABASE)
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("PGPASSWORD", pg.password() == null ? "" : pg.password());
        Process p = builder.start();
        if (!p.waitFor(seconds + 60L, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("pgbench did not finish; see " + log);
        }
        String out = Files.readString(log);
        Matcher m = TPS.matcher(out);
        if (p.exitValue() != 0 || !m.find()) {
            throw new IOException("pgbench failed (exit " + p.exitValue() + "): " + out);
        }
        return new Result(name, clients, transfersPerTx, pipelined, setBased, Double.parseDouble(m.group(1)));
    }

    /** The SQL of one transfer, repeated {@code n} times inside one transaction. */
    static String script(int n, boolean pipelined) {
        StringBuilder s = new StringBuilder(pipelined ? "\\startpipeline\nBEGIN;\n" : "BEGIN;\n");
        for (int i = 0; i < n; i++) {
            s.append("\\set oid random(1, 999999999999)\n");
            s.append("\\set d random(1, ").append(ACCOUNTS).append(")\n")
                    .append("\\set c 1 + (:d + random(0, ").append(ACCOUNTS - 2).append(")) % ").append(ACCOUNTS).append('\n');
            // accounts locked in a fixed order (lower number first), as the applier does
            String acct = "('00000000-0000-0000-0000-' || lpad(:%s::text, 12, '0'))::uuid";
            for (String line : List.of(
                    "INSERT INTO processed_commands (command_id, command_type, fingerprint, outcome, topic, partition, kafka_offset, processed_at) VALUES (gen_random_uuid(), 'TransferKarma', 'pgbench', 'APPLIED', 'pgbench', 0, 0, now());",
                    "\\set lo least(:d, :c)",
                    "\\set hi greatest(:d, :c)",
                    "UPDATE accounts SET balance = balance + CASE WHEN :lo::int = :d::int THEN -1 ELSE 1 END, updated_at = now() WHERE id = " + acct.formatted("lo") + ";",
                    "UPDATE accounts SET balance = balance + CASE WHEN :hi::int = :d::int THEN -1 ELSE 1 END, updated_at = now() WHERE id = " + acct.formatted("hi") + ";",
                    "INSERT INTO transfers (id, debit_account_id, credit_account_id, amount, kind, status, debit_balance_before, debit_balance_after, credit_balance_before, credit_balance_after, created_at) VALUES (gen_random_uuid(), " + acct.formatted("d") + ", " + acct.formatted("c") + ", 1, 'TRANSFER', 'POSTED', 0, 0, 0, 0, now());",
                    // the applier deletes its outbox rows by id in the same transaction (CDC reads them from the WAL)
                    "INSERT INTO outbox (id, aggregate_type, aggregate_id, event_type, payload, created_at) VALUES (" + OUTBOX_ID + ", 'karma', :d::text, 'TransferPosted', '{\"amount\": 1}', now());",
                    "DELETE FROM outbox WHERE id = " + OUTBOX_ID + ";")) {
                s.append(line).append('\n');
            }
        }
        return s.append(pipelined ? "END;\n\\endpipeline\n" : "END;\n").toString();
    }

    /**
     * {@code n} transfers in one transaction as the batch applier writes them: one multi-row insert per table, the
     * accounts locked in id order with one {@code select … for update}, then updated with one {@code update … from}
     * their summed deltas, and the outbox rows inserted and deleted by id, all in seven statements. The pairs are
     * derived from one random number per transaction, so every statement names the same accounts.
     */
    static String setBasedScript(int n, boolean pipelined) {
        String acct = "('00000000-0000-0000-0000-' || lpad(%s::text, 12, '0'))::uuid";
        // debit d and credit c of transfer i (1..n): c differs from d by 1..ACCOUNTS-1, so never the same account
        String pairs = "(select i, (:s::bigint + i * 37) %% %1$d + 1 as d, (:s::bigint + i * 37 + 1 + (:s::bigint * i) %% %2$d) %% %1$d + 1 as c"
                .formatted(ACCOUNTS, ACCOUNTS - 1) + " from generate_series(1, " + n + ") i) p";
        String outboxId = "('00000000-0000-4000-8000-' || lpad((:oid::bigint + p.i)::text, 12, '0'))::uuid";
        StringBuilder s = new StringBuilder("\\set s random(1, 999999999)\n\\set oid random(1, 999000000000)\n");
        s.append(pipelined ? "\\startpipeline\nBEGIN;\n" : "BEGIN;\n");
        for (String line : List.of(
                "INSERT INTO processed_commands (command_id, command_type, fingerprint, outcome, topic, partition, kafka_offset, processed_at) SELECT gen_random_uuid(), 'TransferKarma', 'pgbench', 'APPLIED', 'pgbench', 0, 0, now() FROM generate_series(1, " + n + ");",
                "SELECT count(*) FROM (SELECT a.id FROM accounts a WHERE a.id IN (SELECT " + acct.formatted("p.d") + " FROM " + pairs + " UNION SELECT " + acct.formatted("p.c") + " FROM " + pairs + ") ORDER BY a.id FOR UPDATE) locked;",
                "UPDATE accounts a SET balance = a.balance + m.delta, updated_at = now() FROM (SELECT id, sum(delta) AS delta FROM (SELECT " + acct.formatted("p.d") + " AS id, -1 AS delta FROM " + pairs + " UNION ALL SELECT " + acct.formatted("p.c") + ", 1 FROM " + pairs + ") legs GROUP BY id) m WHERE a.id = m.id;",
                "INSERT INTO transfers (id, debit_account_id, credit_account_id, amount, kind, status, debit_balance_before, debit_balance_after, credit_balance_before, credit_balance_after, created_at) SELECT gen_random_uuid(), " + acct.formatted("p.d") + ", " + acct.formatted("p.c") + ", 1, 'TRANSFER', 'POSTED', 0, 0, 0, 0, now() FROM " + pairs + ";",
                "INSERT INTO outbox (id, aggregate_type, aggregate_id, event_type, payload, created_at) SELECT " + outboxId + ", 'karma', p.d::text, 'TransferPosted', '{\"amount\": 1}', now() FROM " + pairs + ";",
                "DELETE FROM outbox WHERE id IN (SELECT " + outboxId + " FROM " + pairs + ");")) {
            s.append(line).append('\n');
        }
        return s.append(pipelined ? "END;\n\\endpipeline\n" : "END;\n").toString();
    }
}
