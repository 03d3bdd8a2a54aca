package org.agentplatform.bench.chaos;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import javax.sql.DataSource;

import org.agentplatform.schema.jobs.JobEscrow;
import org.agentplatform.schema.ledger.TransferBatch;
import org.agentplatform.schema.ledger.TransferKarma;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jspecify.annotations.Nullable;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The chaos run's own checks, written against the tables and topics, not through the product's code: what the
 * load sent and saw acknowledged on one side, the database and the topics on the other. Each check reports its
 * numbers and how many violations it found.
 */
final class Invariants {

    /** A check's result: its name, what it counted, and its violations (0 = held). */
    record Check(String name, String figures, long violations) {
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final List<String> AUDITED = List.of("agents", "accounts", "transfers", "claims", "claim_votes",
            "claim_status_history", "jobs", "job_attempts", "job_history");

    private final DataSource db;
    private final String bootstrap;
    private final ChaosLoad load;
    private final ChaosHttp http;

    Invariants(DataSource db, String bootstrap, ChaosLoad load, ChaosHttp http) {
        this.db = db;
        this.bootstrap = bootstrap;
        this.load = load;
        this.http = http;
    }

    /** Outcome of a command: from the inbox. */
    record Outcome(String outcome, String reason, long processedMicros) {
        /** APPLIED or REJECTED; anything else (a post waiting for its reservation: DEFERRED) is not decided yet. */
        boolean isFinal() {
            return outcome.equals("APPLIED") || outcome.equals("REJECTED");
        }
    }

    /** Every acknowledged command id: Kafka acks and HTTP 202s. */
    Set<UUID> acknowledged() {
        Set<UUID> ids = new HashSet<>(load.acked);
        http.accepted.forEach(a -> ids.addAll(a.commandIds()));
        return ids;
    }

    Map<UUID, Outcome> outcomes(Set<UUID> ids) throws SQLException {
        Map<UUID, Outcome> out = new HashMap<>();
        List<UUID> all = new ArrayList<>(ids);
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement("""
                select command_id, outcome, coalesce(reason, ''), (extract(epoch from processed_at) * 1000000)::bigint
                from processed_commands where command_id = any(?)""")) {
            for (int i = 0; i < all.size(); i += 5000) {
                ps.setArray(1, c.createArrayOf("uuid", all.subList(i, Math.min(all.size(), i + 5000)).toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(rs.getObject(1, UUID.class), new Outcome(rs.getString(2), rs.getString(3), rs.getLong(4)));
                    }
                }
            }
        }
        return out;
    }

    /** Whether the system has settled: every acknowledged command has its outcome, no saga in flight, audit caught up. */
    boolean settled() {
        try {
            Set<UUID> acked = acknowledged();
            if (outcomes(acked).values().stream().filter(Outcome::isFinal).count() < acked.size()) {
                return false;
            }
            if (scalar("select count(*) from jobs where escrow_status in ('RESERVING', 'PAYING', 'REFUNDING')") > 0) {
                return false;
            }
            return auditRows().violations() == 0;
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }

    List<Check> all() throws SQLException {
        List<Check> checks = new ArrayList<>();
        Set<UUID> acked = acknowledged();
        Map<UUID, Outcome> outcomes = outcomes(acked);
        long decided = outcomes.values().stream().filter(Outcome::isFinal).count();
        checks.add(new Check("every acknowledged command has exactly one outcome, and it is final",
                String.format("%,d acknowledged (%,d Kafka, %,d HTTP), %,d with a final outcome, %,d still undecided",
                        acked.size(), load.acked.size(), acked.size() - load.acked.size(), decided, outcomes.size() - decided),
                acked.size() - decided));
        long failed = outcomes.values().stream().filter(o -> o.reason().equals("COMMAND_FAILED")).count();
        checks.add(new Check("no valid command dead-lettered as failed (COMMAND_FAILED)",
                String.format("%,d dead-lettered COMMAND_FAILED", failed), failed));
        checks.add(deadLetters());
        checks.add(transfersMatchCommands(outcomes));
        checks.add(httpAppliedOnce(outcomes));
        checks.add(new Check("balances sum to zero",
                "sum(balance) = " + scalar("select coalesce(sum(balance), 0) from accounts") + ", sum(pending_debits) - sum(pending_credits) = "
                        + scalar("select coalesce(sum(pending_debits) - sum(pending_credits), 0) from accounts"),
                Math.abs(scalar("select coalesce(sum(balance), 0) from accounts"))
                        + Math.abs(scalar("select coalesce(sum(pending_debits) - sum(pending_credits), 0) from accounts"))));
        long overdrawn = scalar("select count(*) from accounts where not may_go_negative and balance - pending_debits < 0");
        checks.add(new Check("no unflagged account below zero counting pending", overdrawn + " overdrawn", overdrawn));
        checks.add(balancesEqualTransfers());
        checks.addAll(jobs());
        checks.add(events(outcomes));
        checks.add(auditChain());
        checks.add(auditRows());
        return checks;
    }

    private Check deadLetters() {
        Map<String, Integer> dead = new HashMap<>();
        long valid = 0;
        long records = 0;
        for (ConsumerRecord<byte[], byte[]> r : readAll(t -> t.endsWith(".dlt"))) {
            records++;
            String sha = ChaosLoad.sha256(r.value() == null ? new byte[0] : r.value());
            if (load.malformed.contains(sha)) {
                dead.merge(sha, 1, Integer::sum);
            } else {
                valid++;
                System.err.println("dead letter not sent as malformed: " + r.topic() + " " + new String(r.value() == null ? new byte[0]
                        : r.value(), StandardCharsets.UTF_8).substring(0, Math.min(200, r.value() == null ? 0 : r.value().length)));
            }
        }
        long missing = load.malformed.stream().filter(s -> !dead.containsKey(s)).count();
        return new Check("dead letters are the malformed records, every one of them",
                String.format("%,d dead letters; %,d malformed sent, %,d of them dead-lettered; %,d other records dead-lettered",
                        records, load.malformed.size(), dead.size(), valid), valid + missing);
    }

    /** Each applied transfer and batch left exactly its rows, each refused one none: nothing applied twice or half. */
    private Check transfersMatchCommands(Map<UUID, Outcome> outcomes) throws SQLException {
        Map<UUID, long[]> expected = new HashMap<>(); // transfer id -> {applied ? 1 : 0, amount}
        Map<UUID, UUID[]> accounts = new HashMap<>();
        for (ChaosLoad.Sent s : load.sent.values()) {
            Outcome o = outcomes.get(s.id());
            if (o == null) {
                continue;
            }
            boolean applied = o.outcome().equals("APPLIED");
            if (s.command() instanceof TransferKarma t) {
                expected.put(s.id(), new long[] {applied ? 1 : 0, t.amount()});
                accounts.put(s.id(), new UUID[] {t.debitAccountId(), t.creditAccountId()});
            } else if (s.command() instanceof TransferBatch b) {
                for (int i = 0; i < b.transfers().size(); i++) {
                    TransferBatch.Leg leg = b.transfers().get(i);
                    UUID id = TransferBatch.legId(s.id(), i);
                    expected.put(id, new long[] {applied ? 1 : 0, leg.amount()});
                    accounts.put(id, new UUID[] {leg.debitAccountId(), leg.creditAccountId()});
                }
            }
        }
        Map<UUID, Object[]> rows = new HashMap<>();
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select id, debit_account_id, credit_account_id, amount, status from transfers where id = any(?)")) {
            List<UUID> ids = new ArrayList<>(expected.keySet());
            for (int i = 0; i < ids.size(); i += 5000) {
                ps.setArray(1, c.createArrayOf("uuid", ids.subList(i, Math.min(ids.size(), i + 5000)).toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.put(rs.getObject(1, UUID.class), new Object[] {rs.getObject(2, UUID.class),
                                rs.getObject(3, UUID.class), rs.getLong(4), rs.getString(5)});
                    }
                }
            }
        }
        long wrong = 0;
        long applied = 0;
        for (Map.Entry<UUID, long[]> e : expected.entrySet()) {
            Object[] row = rows.get(e.getKey());
            if (e.getValue()[0] == 1) {
                applied++;
                UUID[] acc = Objects.requireNonNull(accounts.get(e.getKey()), "accounts has expected's keys");
                if (row == null || !row[0].equals(acc[0]) || !row[1].equals(acc[1]) || (long) row[2] != e.getValue()[1]
                        || !"POSTED".equals(row[3])) {
                    wrong++;
                }
            } else if (row != null) {
                wrong++;
            }
        }
        return new Check("applied transfers and batch legs are in the ledger once, refused ones not at all",
                String.format("%,d transfer rows expected from applied commands, %,d from refused ones; %,d wrong",
                        applied, expected.size() - applied, wrong), wrong);
    }

    /**
     * The HTTP agents are debited over HTTP only: their transfers are exactly the applied HTTP commands, once each,
     * plus at most once each request the client gave up on unanswered (it may have been published before the
     * answer was lost). An unanswered request is a figure, not a violation: on an overloaded machine a restart can
     * outlast the client's patience, and nothing was acknowledged to it.
     */
    private Check httpAppliedOnce(Map<UUID, Outcome> outcomes) throws SQLException {
        Map<UUID, long[]> expected = new HashMap<>();
        long keysWithTwoIds = 0;
        for (ChaosHttp.Accepted a : http.accepted) {
            if (new HashSet<>(a.commandIds()).size() > 1) {
                keysWithTwoIds++;
            }
            Outcome o = outcomes.get(a.commandIds().get(0));
            if (o != null && o.outcome().equals("APPLIED")) {
                long[] e = expected.computeIfAbsent(a.debit(), k -> new long[2]);
                e[0]++;
                e[1] += a.amount();
            }
        }
        Map<UUID, long[]> mayAlso = new HashMap<>();
        for (ChaosHttp.Unanswered u : http.unansweredRequests) {
            long[] m = mayAlso.computeIfAbsent(u.debit(), k -> new long[2]);
            m[0]++;
            m[1] += u.amount();
        }
        long wrong = keysWithTwoIds + http.replayMismatches.get();
        long rows = 0;
        long expectedRows = 0;
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select count(*), coalesce(sum(amount), 0) from transfers where debit_account_id = ? and status = 'POSTED'")) {
            for (UUID agent : load.httpAgents) {
                ps.setObject(1, agent);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    long[] e = expected.getOrDefault(agent, new long[2]);
                    long[] m = mayAlso.getOrDefault(agent, new long[2]);
                    long n = rs.getLong(1);
                    long sum = rs.getLong(2);
                    rows += n;
                    expectedRows += e[0];
                    if (n < e[0] || n > e[0] + m[0] || sum < e[1] || sum > e[1] + m[1]) {
                        wrong++;
                    }
                }
            }
        }
        return new Check("HTTP commands applied once per Idempotency-Key (a request never answered: at most once)",
                String.format("%,d keys answered (%,d retries after errors, %,d refused, %,d never answered within the "
                        + "client's patience), %,d transfers from HTTP agents (%,d of unanswered requests); %,d keys with two "
                        + "command ids, %,d replays with another id", http.accepted.size(), http.retried.get(),
                        http.refused.get(), http.unansweredRequests.size(), rows, rows - expectedRows, keysWithTwoIds,
                        http.replayMismatches.get()), wrong);
    }

    /** Balance = posted credits - posted debits; pending = open reservations (no resolution row yet). */
    private Check balancesEqualTransfers() throws SQLException {
        long wrong = scalar("""
                with posted as (
                    select account, sum(delta) as delta from (
                        select credit_account_id as account, amount as delta from transfers where status = 'POSTED'
                        union all select debit_account_id, -amount from transfers where status = 'POSTED') m group by account),
                open as (
                    select t.* from transfers t where t.status = 'PENDING'
                    and not exists (select 1 from transfers r where r.pending_id = t.id)),
                held as (
                    select a.id, coalesce((select sum(amount) from open o where o.debit_account_id = a.id), 0) as debits,
                           coalesce((select sum(amount) from open o where o.credit_account_id = a.id), 0) as credits
                    from accounts a)
                select count(*) from accounts a
                left join posted p on p.account = a.id join held h on h.id = a.id
                where a.balance <> coalesce(p.delta, 0) or a.pending_debits <> h.debits or a.pending_credits <> h.credits""");
        return new Check("every balance equals its transfers (and pending amounts its open reservations)",
                scalar("select count(*) from accounts") + " accounts, " + scalar("select count(*) from transfers")
                        + " transfers; " + wrong + " accounts differ", wrong);
    }

    private List<Check> jobs() throws SQLException {
        List<Check> checks = new ArrayList<>();
        long twice = scalar("select count(*) from (select job_id from job_attempts where outcome = 'SUCCEEDED' group by job_id having count(*) > 1) d");
        long succeededWithout = scalar("""
                select count(*) from jobs j where j.status = 'SUCCEEDED'
                and (select count(*) from job_attempts a where a.job_id = j.id and a.outcome = 'SUCCEEDED') <> 1""");
        checks.add(new Check("jobs completed at most once",
                scalar("select count(*) from jobs") + " jobs, " + scalar("select count(*) from jobs where status = 'SUCCEEDED'")
                        + " succeeded; " + twice + " with two successful attempts, " + succeededWithout
                        + " succeeded without exactly one", twice + succeededWithout));
        String escrow = "'" + JobEscrow.ACCOUNT + "'";
        long unsettled = scalar("select count(*) from jobs where escrow_status in ('RESERVING', 'PAYING', 'REFUNDING', 'STUCK')");
        long badResolution = scalar("""
                select count(*) from jobs j where j.escrow_pending_id is not null and (
                    (select count(*) from transfers r where r.pending_id = j.escrow_pending_id) > 1
                    or (j.escrow_status = 'PAID' and not exists (select 1 from transfers r where r.pending_id = j.escrow_pending_id and r.status = 'POSTED'))
                    or (j.escrow_status = 'REFUNDED' and not exists (select 1 from transfers r where r.pending_id = j.escrow_pending_id and r.status in ('VOIDED', 'EXPIRED')))
                    or (j.escrow_status = 'HELD' and exists (select 1 from transfers r where r.pending_id = j.escrow_pending_id)))""");
        long paidJobs = scalar("select count(*) from jobs where escrow_status = 'PAID'");
        long paidSum = scalar("select coalesce(sum(price), 0) from jobs where escrow_status = 'PAID'");
        long payouts = scalar("select count(*) from transfers where debit_account_id = " + escrow + " and status = 'POSTED'");
        long payoutSum = scalar("select coalesce(sum(amount), 0) from transfers where debit_account_id = " + escrow + " and status = 'POSTED'");
        long succeededUnpaid = scalar("select count(*) from jobs where status = 'SUCCEEDED' and price is not null and escrow_status <> 'PAID'");
        long heldSum = scalar("select coalesce(sum(price), 0) from jobs where escrow_status = 'HELD'");
        long escrowBalance = scalar("select balance from accounts where id = " + escrow);
        long escrowPending = scalar("select pending_credits from accounts where id = " + escrow);
        checks.add(new Check("every escrow paid or refunded exactly once; the escrow account holds exactly the open holds",
                String.format("%,d paid (%,d karma), %,d payouts (%,d karma), %,d refunded, %,d held (%,d karma); escrow "
                        + "balance %,d, pending %,d; %,d unsettled or stuck, %,d wrong resolutions, %,d succeeded unpaid",
                        paidJobs, paidSum, payouts, payoutSum, scalar("select count(*) from jobs where escrow_status = 'REFUNDED'"),
                        scalar("select count(*) from jobs where escrow_status = 'HELD'"), heldSum, escrowBalance, escrowPending,
                        unsettled, badResolution, succeededUnpaid),
                unsettled + badResolution + succeededUnpaid + Math.abs(paidJobs - payouts) + Math.abs(paidSum - payoutSum)
                        + Math.abs(escrowBalance) + Math.abs(escrowPending - heldSum)));
        return checks;
    }

    /** Every applied command has at least one event on an events topic that names it as its cause. */
    private Check events(Map<UUID, Outcome> outcomes) {
        Set<UUID> causes = new HashSet<>();
        long records = 0;
        for (ConsumerRecord<byte[], byte[]> r : readAll(t -> t.startsWith("events."))) {
            records++;
            UUID cause = causation(r.value());
            if (cause != null) {
                causes.add(cause);
            }
        }
        Map<String, long[]> byType = new TreeMap<>();
        long missing = 0;
        for (ChaosLoad.Sent s : load.sent.values()) {
            Outcome o = outcomes.get(s.id());
            if (o == null || !o.outcome().equals("APPLIED")) {
                continue;
            }
            long[] counts = byType.computeIfAbsent(s.command().getClass().getSimpleName(), k -> new long[2]);
            counts[0]++;
            if (!causes.contains(s.id())) {
                counts[1]++;
                missing++;
            }
        }
        StringBuilder figures = new StringBuilder(String.format("%,d event records; applied (without event): ", records));
        byType.forEach((type, c) -> figures.append(type).append(' ').append(c[0]).append(" (").append(c[1]).append(") "));
        return new Check("every applied command's events are on the topics", figures.toString().trim(), missing);
    }

    private static @Nullable UUID causation(byte @Nullable [] value) {
        if (value == null) {
            return null;
        }
        try {
            JsonNode node = JSON.readTree(value);
            if (node.isString()) {
                node = JSON.readTree(node.asString());
            }
            JsonNode cause = node.path("causationId");
            return cause.isString() ? UUID.fromString(cause.asString()) : null;
        } catch (JacksonException | IllegalArgumentException e) {
            return null;
        }
    }

    /** The chain recomputed from the stored text: sha256(previous hash || change), from 32 zero bytes, gapless. */
    Check auditChain() throws SQLException {
        long entries = 0;
        long broken = 0;
        byte[] prev = new byte[32];
        long expectedSeq = 1;
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("set transaction isolation level repeatable read");
                s.setFetchSize(2000);
                MessageDigest sha = MessageDigest.getInstance("SHA-256");
                try (ResultSet rs = s.executeQuery("select seq, change, prev_hash, hash from audit_log order by seq")) {
                    while (rs.next()) {
                        entries++;
                        sha.update(prev);
                        sha.update(rs.getString(2).getBytes(StandardCharsets.UTF_8));
                        byte[] hash = sha.digest();
                        if (rs.getLong(1) != expectedSeq || !Arrays.equals(rs.getBytes(3), prev) || !Arrays.equals(rs.getBytes(4), hash)) {
                            broken++;
                        }
                        prev = rs.getBytes(4);
                        expectedSeq = rs.getLong(1) + 1;
                    }
                }
                try (ResultSet rs = s.executeQuery("select seq, hash from audit_chain_head")) {
                    if (!rs.next() || rs.getLong(1) != expectedSeq - 1 || !Arrays.equals(rs.getBytes(2), prev)) {
                        broken++;
                    }
                }
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            } finally {
                c.rollback();
            }
        }
        return new Check("the audit chain recomputes", String.format("%,d entries, %,d broken links", entries, broken), broken);
    }

    /** Each row of an audited table: its newest audit entry is not a DELETE and its after image equals the row. */
    Check auditRows() throws SQLException {
        long rows = 0;
        long differ = 0;
        long twiceSnapshot = 0;
        long gaps;
        String example = "";
        try (Connection c = db.getConnection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("set transaction isolation level repeatable read");
                for (String table : AUDITED) {
                    List<String> keys = primaryKey(c, table);
                    String pk = "jsonb_build_object(" + String.join(", ", keys.stream().map(k -> "'" + k + "', t." + k).toList()) + ")";
                    try (ResultSet rs = s.executeQuery("""
                            select to_jsonb(t)::text, l.operation, l.change from %s t
                            left join lateral (select a.operation, a.change from audit_log a
                                               where a.schema_name = 'public' and a.table_name = '%s'
                                               and a.primary_key = %s
                                               order by a.seq desc limit 1) l on true""".formatted(table, table, pk))) {
                        while (rs.next()) {
                            rows++;
                            String problem = compare(rs.getString(1), rs.getString(2), rs.getString(3));
                            if (problem != null) {
                                differ++;
                                if (example.isEmpty()) {
                                    example = "; e.g. " + table + ": " + problem;
                                }
                            }
                        }
                    }
                }
                try (ResultSet rs = s.executeQuery("""
                        select count(*) from (select 1 from audit_log where operation = 'SNAPSHOT'
                                              group by table_name, primary_key having count(*) > 1) d""")) {
                    rs.next();
                    twiceSnapshot = rs.getLong(1);
                }
                try (ResultSet rs = s.executeQuery("select count(*) from audit_log where operation = 'GAP'")) {
                    rs.next();
                    gaps = rs.getLong(1);
                }
            } finally {
                c.rollback();
            }
        }
        return new Check("every audited row's newest entry equals the row",
                String.format("%,d rows, %,d differ; %,d rows snapshotted twice, %,d gap markers%s", rows, differ, twiceSnapshot,
                        gaps, example), differ);
    }

    private static List<String> primaryKey(Connection c, String table) throws SQLException {
        List<String> keys = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
                where i.indrelid = ('public.' || ?)::regclass and i.indisprimary order by array_position(i.indkey::int2[], a.attnum)""")) {
            ps.setString(1, table);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    keys.add(rs.getString(1));
                }
            }
        }
        return keys;
    }

    /** Null if the logged after image says what the row says, column by column; else what differs. */
    static @Nullable String compare(String rowJson, @Nullable String operation, String change) {
        if (operation == null) {
            return "no audit entry";
        }
        if (operation.equals("DELETE")) {
            return "newest entry is a DELETE";
        }
        JsonNode row = JSON.readTree(rowJson);
        JsonNode after = JSON.readTree(change).path("after");
        for (Map.Entry<String, JsonNode> column : row.properties()) {
            JsonNode logged = after.get(column.getKey());
            if (logged == null || !same(logged, column.getValue())) {
                return "column " + column.getKey() + " is " + column.getValue() + ", logged " + logged;
            }
        }
        return null;
    }

    /** Debezium writes decimals, temporals and jsonb as strings; to_jsonb as numbers, ISO text and JSON. */
    private static boolean same(JsonNode logged, JsonNode live) {
        if (logged.equals(live)) {
            return true;
        }
        if (logged.isNull() || live.isNull()) {
            return false;
        }
        String text = logged.isString() ? logged.asString() : logged.toString();
        if (live.isNumber()) {
            try {
                return new BigDecimal(text).compareTo(live.decimalValue()) == 0;
            } catch (NumberFormatException e) {
                return false;
            }
        }
        if (live.isContainer()) {
            try {
                return JSON.readTree(text).equals(live);
            } catch (JacksonException e) {
                return false;
            }
        }
        try {
            return OffsetDateTime.parse(text).toInstant().equals(OffsetDateTime.parse(live.asString()).toInstant());
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    private long scalar(String sql) throws SQLException {
        try (Connection c = db.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : 0;
        }
    }

    /** Every record of the topics {@code which} accepts, from the beginning to the end as of now. */
    private List<ConsumerRecord<byte[], byte[]>> readAll(java.util.function.Predicate<String> which) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (Map.Entry<String, List<PartitionInfo>> t : consumer.listTopics(Duration.ofSeconds(30)).entrySet()) {
                if (which.test(t.getKey())) {
                    t.getValue().forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (ends.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())
                    && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(out::add);
            }
        }
        return out;
    }
}
