package org.agentplatform.audit.leader;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Properties;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leadership of the CDC engine through a PostgreSQL session advisory lock, held on a dedicated connection
 * for as long as this instance runs the engine. When the instance dies its connection closes and
 * PostgreSQL releases the lock, so a standby's next {@link #tryAcquire()} wins. The replication slot itself
 * admits one streaming connection only, so even a leader that has not yet noticed its loss cannot stream
 * alongside its successor.
 *
 * <p>Thread safe: the engine's supervisor acquires, a watchdog checks.
 */
public final class LeaderLock implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LeaderLock.class);

    private final String url;
    private final Properties connectionProperties;
    private final long key;
    private final String name;
    private Connection connection;
    private boolean held;

    /**
     * @param name names the lock (the slot name: one leader per slot) and, with {@code instanceId}, the
     *             connection's {@code application_name}, so operators see who leads in {@code pg_stat_activity}
     */
    public LeaderLock(String url, String user, String password, String name, String instanceId) {
        this.url = url;
        this.name = name;
        this.key = keyOf("audit-cdc-leader:" + name);
        Properties p = new Properties();
        if (user != null) {
            p.setProperty("user", user);
        }
        if (password != null) {
            p.setProperty("password", password);
        }
        p.setProperty("ApplicationName", applicationName(instanceId));
        this.connectionProperties = p;
    }

    /** The {@code application_name} of the leadership connection of {@code instanceId}. */
    public static String applicationName(String instanceId) {
        return "audit-leader-" + instanceId;
    }

    /** Tries once; true when this instance holds (or already held) the lock. Never throws. */
    public synchronized boolean tryAcquire() {
        if (held && isHeld()) {
            return true;
        }
        try {
            if (connection == null || connection.isClosed()) {
                connection = DriverManager.getConnection(url, connectionProperties);
                connection.setAutoCommit(true);
            }
            try (PreparedStatement lock = connection.prepareStatement("select pg_try_advisory_lock(?)")) {
                lock.setLong(1, key);
                try (ResultSet rs = lock.executeQuery()) {
                    rs.next();
                    held = rs.getBoolean(1);
                }
            }
            if (held) {
                log.info("Became CDC leader for {} (advisory lock {})", name, key);
            }
            return held;
        } catch (SQLException e) {
            log.warn("Could not try the CDC leader lock: {}", e.getMessage());
            closeQuietly();
            return false;
        }
    }

    /** Whether the lock is still held: the session that holds it is alive. */
    public synchronized boolean isHeld() {
        if (!held || connection == null) {
            return false;
        }
        try {
            if (connection.isValid(2)) {
                return true;
            }
        } catch (SQLException e) {
            // treated as lost
        }
        log.error("Lost the CDC leader lock for {}: its connection is gone", name);
        held = false;
        closeQuietly();
        return false;
    }

    /** Gives the lock up (the session ends, which releases it). */
    public synchronized void release() {
        if (held) {
            log.info("Releasing the CDC leader lock for {}", name);
        }
        held = false;
        closeQuietly();
    }

    @Override
    public void close() {
        release();
    }

    private void closeQuietly() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                log.debug("Closing the leader connection failed", e);
            }
            connection = null;
        }
    }

    /** A stable 64-bit advisory lock key for a name. */
    static long keyOf(String name) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(digest).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
