package org.agentplatform.ingest.reads;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.jdbc.support.SQLExceptionSubclassTranslator;
import org.springframework.jdbc.support.SQLExceptionTranslator;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Runs the read endpoints' queries. Without a replica, on the primary. With one, on the replica once it has replayed
 * everything the primary had flushed when the read began (every commit, as commits are synchronous): a client that saw its command applied and then reads
 * finds its write, whatever the replica's lag. The price is one small query on the primary per read; the read itself,
 * an aggregation say, runs on the replica. A replica that cannot catch up within {@code max-wait}, cannot be reached,
 * is no longer a standby (promoted) or cancels the query for a conflict with recovery is passed over for the primary,
 * and so is it for every read during the {@code pass-over} after that (so that a lagging replica costs one read the
 * wait, not every request thread), counted in {@code ingest.reads{source=primary-fallback}} and
 * {@code {source=primary-pass-over}}. Only reads go through here: a write fails on the replica
 * (25006) and is not retried on the primary. Each read is one read-only transaction at repeatable read, on one
 * connection: the statements of a read that takes several (a reputation with its breakdown) see one snapshot.
 */
public final class ReadSource {

    private static final Logger log = LoggerFactory.getLogger(ReadSource.class);

    /** SQLSTATE classes and codes after which the same read on the primary can succeed. */
    private static final SQLExceptionTranslator TRANSLATOR = new SQLExceptionSubclassTranslator();

    private static final Set<String> PASS_OVER = Set.of("40001", "57P01", "57P02", "57P03", "57014");

    private final DataSource primary;
    private final JdbcClient primaryClient;
    private final @Nullable DataSource replica;
    private final Duration maxWait;
    private final Counter onPrimary;
    private final Counter onReplica;
    private final Counter fellBack;
    private final Counter passedOver;
    private final Duration passOverFor;
    /** Until when reads go straight to the primary: the replica was behind or away a moment ago (nanoTime). */
    private final AtomicLong passOverUntil = new AtomicLong(System.nanoTime());

    ReadSource(DataSource primary, @Nullable DataSource replica, Duration maxWait, Duration passOverFor,
               MeterRegistry meters) {
        this.primary = primary;
        this.primaryClient = JdbcClient.create(primary);
        this.replica = replica;
        this.maxWait = maxWait;
        this.passOverFor = passOverFor;
        this.onPrimary = reads(meters, "primary");
        this.onReplica = reads(meters, "replica");
        this.fellBack = reads(meters, "primary-fallback");
        this.passedOver = reads(meters, "primary-pass-over");
    }

    private static Counter reads(MeterRegistry meters, String source) {
        return Counter.builder("ingest.reads").tag("source", source)
                .description("Reads of the read endpoints, by where they ran").register(meters);
    }

    /** Whether a replica is configured. */
    public boolean hasReplica() {
        return replica != null;
    }

    /** Runs {@code read} (queries only) where it sees every write committed before this call. */
    public <T> T query(Function<JdbcClient, T> read) {
        DataSource standby = replica;
        if (standby == null) {
            onPrimary.increment();
            return onPrimary(read);
        }
        if (System.nanoTime() - passOverUntil.get() < 0) {
            // one read waited max-wait and failed a moment ago: do not make every request thread wait again
            passedOver.increment();
            return onPrimary(read);
        }
        String position = primaryClient.sql("select pg_current_wal_flush_lsn()::text").query(String.class).single();
        Optional<T> result;
        try (Connection connection = standby.getConnection()) {
            result = replayedPast(connection, position)
                    ? onReplica(connection, read)
                    : Optional.empty();
        } catch (SQLException e) {
            log.warn("Read replica unavailable ({}): reading from the primary", e.toString());
            result = Optional.empty();
        }
        if (result.isPresent()) {
            onReplica.increment();
            return result.get();
        }
        passOverUntil.set(System.nanoTime() + passOverFor.toNanos());
        fellBack.increment();
        return onPrimary(read);
    }

    private <T> T onPrimary(Function<JdbcClient, T> read) {
        try (Connection connection = primary.getConnection()) {
            return inSnapshot(connection, read);
        } catch (SQLException e) {
            DataAccessException translated = TRANSLATOR.translate("read on the primary", null, e);
            throw translated != null ? translated : new UncategorizedSQLException("read on the primary", null, e);
        }
    }

    /**
     * {@code read} in one read-only transaction at repeatable read on {@code connection}. Set by the transaction's
     * first statement, not by {@code setTransactionIsolation}/{@code setReadOnly}: PgJDBC sends the isolation as a
     * session setting outside the transaction, which behind PgBouncer's transaction pooling would stay on whichever
     * server connection got it (a worker's, next). The pool resets the auto-commit on return.
     */
    private static <T> T inSnapshot(Connection connection, Function<JdbcClient, T> read) throws SQLException {
        connection.setAutoCommit(false);
        try {
            try (Statement begin = connection.createStatement()) {
                begin.execute("set transaction isolation level repeatable read, read only");
            }
            T result = read.apply(JdbcClient.create(new SingleConnectionDataSource(connection, true)));
            connection.commit();
            return result;
        } catch (RuntimeException | SQLException e) {
            try {
                connection.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
            }
            throw e;
        }
    }

    private <T> Optional<T> onReplica(Connection connection, Function<JdbcClient, T> read) throws SQLException {
        try {
            return Optional.of(inSnapshot(connection, read));
        } catch (DataAccessException e) {
            String state = sqlState(e);
            if (state != null && (state.startsWith("08") || PASS_OVER.contains(state))) {
                log.info("Read on the replica failed ({}): reading from the primary", e.getMostSpecificCause().toString());
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Polls the replica's replay position until it reaches {@code position}, for at most {@code max-wait}. */
    private boolean replayedPast(Connection connection, String position) throws SQLException {
        long deadline = System.nanoTime() + maxWait.toNanos();
        long pauseMillis = 1;
        try (PreparedStatement check = connection.prepareStatement(
                "select pg_is_in_recovery(), coalesce(pg_last_wal_replay_lsn() >= ?::pg_lsn, false)")) {
            check.setString(1, position);
            while (true) {
                try (ResultSet rs = check.executeQuery()) {
                    rs.next();
                    if (!rs.getBoolean(1)) {
                        // promoted, or pointed at a primary: it no longer follows this primary's writes
                        log.warn("The read replica is not in recovery: reading from the primary");
                        return false;
                    }
                    if (rs.getBoolean(2)) {
                        return true;
                    }
                }
                if (System.nanoTime() - deadline >= 0) {
                    return false;
                }
                try {
                    Thread.sleep(pauseMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
                pauseMillis = Math.min(pauseMillis * 2, 20);
            }
        }
    }

    private static @Nullable String sqlState(DataAccessException e) {
        Throwable cause = e.getMostSpecificCause();
        return cause instanceof SQLException sql ? sql.getSQLState() : null;
    }
}
