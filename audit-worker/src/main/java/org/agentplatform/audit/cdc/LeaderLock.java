package org.agentplatform.audit.cdc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;

import org.jspecify.annotations.Nullable;
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
final class LeaderLock implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LeaderLock.class);

    private static final String LEADER_PREFIX = "audit-leader-";
    private static final String STANDBY_PREFIX = "audit-standby-";

    private final String url;
    private final Properties connectionProperties;
    private final long key;
    private final String name;
    private final String instanceId;
    private @Nullable Connection connection;
    private boolean held;
    /** The instance that held the lock when this one last tried and failed; null when none or unknown. */
    private @Nullable String otherLeader;
    private boolean standingBy;

    /**
     * @param name names the lock (the slot name: one leader per slot); the connection's {@code application_name}
     *             says whether {@code instanceId} leads or stands by, so operators see it in {@code pg_stat_activity}
     */
    LeaderLock(String url, @Nullable String user, @Nullable String password, String name, String instanceId) {
        this.url = url;
        this.name = name;
        this.instanceId = instanceId;
        this.key = keyOf("audit-cdc-leader:" + name);
        Properties p = new Properties();
        if (user != null) {
            p.setProperty("user", user);
        }
        if (password != null) {
            p.setProperty("password", password);
        }
        p.setProperty("ApplicationName", standbyApplicationName(instanceId));
        this.connectionProperties = p;
    }

    /** The {@code application_name} of the lock session of {@code instanceId} while it leads. */
    static String leaderApplicationName(String instanceId) {
        return LEADER_PREFIX + instanceId;
    }

    /** The {@code application_name} of the lock session of {@code instanceId} while it stands by. */
    static String standbyApplicationName(String instanceId) {
        return STANDBY_PREFIX + instanceId;
    }

    String instanceId() {
        return instanceId;
    }

    /**
     * The instance that leads, as far as this one knows: itself while it holds the lock, else the holder it saw at
     * its last try (a standby tries every retry interval); empty when none was seen.
     */
    synchronized Optional<String> leader() {
        return Optional.ofNullable(held ? instanceId : otherLeader);
    }

    /** Tries once; true when this instance holds (or already held) the lock. Never throws. */
    synchronized boolean tryAcquire() {
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
                setApplicationName(connection, leaderApplicationName(instanceId));
                otherLeader = null;
                standingBy = false;
                log.info("Instance {} acquired CDC leadership for slot {} (advisory lock {})", instanceId, name, key);
            } else {
                String leader = holder(connection);
                if (!standingBy || !Objects.equals(leader, otherLeader)) {
                    log.info("Instance {} stands by: {} leads CDC for slot {}", instanceId,
                            leader == null ? "another instance" : "instance " + leader, name);
                }
                standingBy = true;
                otherLeader = leader;
            }
            return held;
        } catch (SQLException e) {
            log.warn("Instance {} could not try the CDC leader lock: {}", instanceId, e.getMessage());
            closeQuietly();
            return false;
        }
    }

    private static void setApplicationName(Connection connection, String applicationName) throws SQLException {
        try (PreparedStatement set = connection.prepareStatement("select set_config('application_name', ?, false)")) {
            set.setString(1, applicationName);
            set.execute();
        }
    }

    /** The instance whose session holds the lock (from {@code pg_locks}), or null. */
    private @Nullable String holder(Connection connection) throws SQLException {
        // a bigint advisory key is held as classid = high 32 bits, objid = low 32 bits, objsubid = 1
        try (PreparedStatement ps = connection.prepareStatement("""
                select a.application_name from pg_locks l join pg_stat_activity a on a.pid = l.pid
                where l.locktype = 'advisory' and l.granted and l.objsubid = 1
                  and l.database = (select oid from pg_database where datname = current_database())
                  and l.classid::bigint = ? and l.objid::bigint = ?""")) {
            ps.setLong(1, key >>> 32);
            ps.setLong(2, key & 0xFFFF_FFFFL);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                String application = rs.getString(1);
                return application != null && application.startsWith(LEADER_PREFIX)
                        ? application.substring(LEADER_PREFIX.length()) : application;
            }
        }
    }

    /** Whether the lock is still held: the session that holds it is alive. */
    synchronized boolean isHeld() {
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
        log.warn("Instance {} lost CDC leadership for slot {}: its lock session is gone", instanceId, name);
        held = false;
        closeQuietly();
        return false;
    }

    /** Gives the lock up (the session ends, which releases it). */
    synchronized void release() {
        if (held) {
            log.info("Instance {} gives up CDC leadership for slot {}", instanceId, name);
        }
        held = false;
        closeQuietly();
    }

    @Override
    public void close() {
        release();
    }

    private void closeQuietly() {
        standingBy = false;
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
