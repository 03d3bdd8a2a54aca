package org.agentplatform.audit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.agentplatform.audit.log.AuditLogGap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Run by the leader before each engine start. Stored offsets with no usable slot behind them (the slot was
 * invalidated because it exceeded {@code max_slot_wal_keep_size}, or was dropped) mean the changes after the
 * stored position are gone from the WAL. Starting the engine anyway would create a new slot and stream from
 * now on, silently skipping them. Instead: drop the lost slot, and in one transaction record a GAP marker in
 * the audit log and discard the offsets; the engine then snapshots every audited row again, which
 * re-establishes the current state after the marker.
 */
class SlotRecovery {

    private static final Logger log = LoggerFactory.getLogger(SlotRecovery.class);

    private final DataSource dataSource;
    private final String slotName;
    private final String offsetTable;
    private final Clock clock;

    SlotRecovery(DataSource dataSource, String slotName, String offsetTable, Clock clock) {
        this.dataSource = dataSource;
        this.slotName = slotName;
        this.offsetTable = offsetTable;
        this.clock = clock;
    }

    /** True when a gap was recorded (and the next engine start snapshots again). */
    boolean recoverIfNeeded() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            List<String> offsets = offsets(c);
            if (offsets.isEmpty()) {
                return false; // first start: the engine snapshots anyway
            }
            String walStatus = null;
            boolean exists = false;
            try (PreparedStatement ps = c.prepareStatement("select wal_status from pg_replication_slots where slot_name = ?")) {
                ps.setString(1, slotName);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        exists = true;
                        walStatus = rs.getString(1);
                    }
                }
            }
            if (exists && !"lost".equals(walStatus)) {
                return false;
            }
            String reason = exists ? "replication slot " + slotName + " was invalidated (wal_status lost)"
                    : "replication slot " + slotName + " is missing although offsets are stored";
            log.error("{}: changes after the stored position are lost; recording a GAP in the audit log and "
                    + "snapshotting the audited tables again", reason);
            if (exists) {
                try (PreparedStatement drop = c.prepareStatement("select pg_drop_replication_slot(?)")) {
                    drop.setString(1, slotName);
                    drop.execute();
                }
            }
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                AuditLogGap.append(c, slotName, "[" + String.join(",", offsets) + "]", reason, clock.instant());
                try (PreparedStatement delete = c.prepareStatement("delete from " + offsetTable)) {
                    delete.executeUpdate();
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
            return true;
        }
    }

    private List<String> offsets(Connection c) throws SQLException {
        List<String> values = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("select offset_value from " + offsetTable + " order by offset_key");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }
}
