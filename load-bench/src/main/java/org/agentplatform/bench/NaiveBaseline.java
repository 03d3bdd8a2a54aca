package org.agentplatform.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.agentplatform.embedded.PostgresServer;
import org.agentplatform.schema.ledger.LedgerCommand;
import org.agentplatform.schema.messaging.Topics;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The naive consumer: the ledger worker as it ships, in its own JVM with the same heap bound, but with
 * max.poll.records=1, i.e. one database transaction per message, on its own database and topics of the same
 * servers. A closed drain (all transfers published up front, then timed until the last is applied) gives its
 * best throughput, which flatters the naive side of the ratio. Transfers only: it is the ledger's baseline.
 */
final class NaiveBaseline {

    static final String DATABASE = "naive_bench";
    /** Few accounts: registering them goes through the naive consumer too, one transaction each. */
    static final int ACCOUNTS = 100;

    record Result(int transfers, double seconds) {
        double perSecond() {
            return transfers / seconds;
        }
    }

    private NaiveBaseline() {
    }

    static Result run(PostgresServer pg, String bootstrap, Path ledgerJar, Path logs, int port, int accounts, int transfers)
            throws IOException, InterruptedException {
        pg.createDatabase(DATABASE);
        Topics topics = new Topics("naive.");
        List<String> args = new ArrayList<>(ProcessStack.commonArgs(pg, DATABASE, bootstrap));
        args.addAll(List.of("--platform.topics.prefix=naive.", "--platform.consumer.max-poll-records=1",
                "--platform.consumer.group-id=naive-ledger", "--server.port=" + port));
        try (ChildProcess worker = ChildProcess.jar("naive-ledger-worker", ledgerJar, List.of(), args, logs)) {
            worker.awaitReady("http://localhost:" + port + "/actuator/health/readiness", Duration.ofMinutes(3));
            JdbcTemplate jdbc = new JdbcTemplate(pg.dataSource(DATABASE));
            Workload workload = new Workload(accounts, Math.max(1, accounts / 50), Workload.Mix.TRANSFERS_ONLY);
            try (LoadGenerator gen = new LoadGenerator(bootstrap, topics, workload, null, List.of(), List.of(),
                    new Counters(), 0)) {
                gen.registerAndGrant(workload, "naive-", jdbc);
                List<LedgerCommand> load = new ArrayList<>(transfers);
                for (int i = 0; i < transfers; i++) {
                    load.add(workload.nextTransfer());
                }
                long t0 = System.nanoTime();
                gen.sendSetup(load);
                LoadGenerator.awaitApplied(jdbc, 2L * accounts + transfers);
                return new Result(transfers, (System.nanoTime() - t0) / 1e9);
            }
        }
    }
}
