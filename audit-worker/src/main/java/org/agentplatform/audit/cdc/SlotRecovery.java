package org.agentplatform.audit.cdc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.agentplatform.audit.log.AuditLogGap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Run by the leader before each engine start; decides how the engine starts from what is stored.
 *
 * <ul>
 *   <li>Stored offsets with no usable slot behind them (the slot was invalidated because it exceeded
 *       {@code max_slot_wal_keep_size}, or was dropped) mean the changes after the stored position are gone
 *       from the WAL. Starting the engine anyway would create a new slot and stream from now on, silently
 *       skipping them. Instead: drop the lost slot, and in one transaction record a GAP marker in the audit
 *       log and discard the offsets; the engine then snapshots every audited row again, which re-establishes
 *       the current state after the marker. The same holds when no offsets are stored but the audit log
 *       already has entries: they came from a slot that is gone.</li>
 *   <li>A slot whose snapshot never completed (the stored offset is a snapshot in progress, or no offset was
 *       stored yet) means the worker died mid-snapshot. Debezium would snapshot again at a new position and
 *       stream from there: the rows the first attempt logged would be logged again, and the changes committed
 *       between the attempts would be skipped. Instead: discard the unfinished offset and snapshot again with
 *       {@link SnapshotFromSlot}, which streams from the slot's confirmed position (where the first attempt
 *       began), so that no change is skipped and a row read by both attempts keeps its change id.</li>
 * </ul>
 */
class SlotRecovery {

    /** How the engine is to start. */
    enum Start {
        /** As configured: resume from the stored offsets, or take the first snapshot. */
        AS_CONFIGURED,
        /** Snapshot again and stream from the slot's confirmed position: a previous snapshot was interrupted. */
        SNAPSHOT_FROM_SLOT
    }

    private static final Logger log = LoggerFactory.getLogger(SlotRecovery.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final DataSource dataSource;
    private final String slotName;
    private final String offsetTable;
    private final Clock clock;
    /** Whether the engine takes Debezium's {@code initial} snapshot, the one mode whose interruption is handled. */
    private final boolean initialSnapshot;

    SlotRecovery(DataSource dataSource, String slotName, String offsetTable, Clock clock, boolean initialSnapshot) {
        this.dataSource = dataSource;
        this.slotName = slotName;
        this.offsetTable = offsetTable;
        this.clock = clock;
        this.initialSnapshot = initialSnapshot;
    }

    private record Offset(String key, String value) {
    }

    private record Slot(@Nullable String walStatus, @Nullable String confirmedFlushLsn) {
        boolean lost() {
            return "lost".equals(walStatus);
        }
    }

    Start recoverIfNeeded() throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            List<Offset> offsets = offsets(c);
            Slot slot = slot(c);
            if (slot != null && !slot.lost()) {
                List<Offset> unfinished = offsets.stream().filter(o -> isUnfinishedSnapshot(o.value())).toList();
                if (!initialSnapshot || (!offsets.isEmpty() && unfinished.isEmpty())) {
                    return Start.AS_CONFIGURED;
                }
                log.warn("The snapshot on slot {} did not complete ({}): taking it again and streaming from the slot's "
                                + "confirmed position {}, so that no change committed since the first attempt is skipped",
                        slotName, offsets.isEmpty() ? "no offset was stored" : "the stored offset is a snapshot in progress",
                        slot.confirmedFlushLsn());
                deleteOffsets(c, unfinished);
                return Start.SNAPSHOT_FROM_SLOT;
            }
            if (offsets.isEmpty() && !hasUnmarkedEntries(c)) {
                if (slot != null) {
                    dropSlot(c); // lost before anything was logged from it
                }
                return Start.AS_CONFIGURED; // first start: the engine snapshots anyway
            }
            String reason = (slot != null ? "replication slot " + slotName + " was invalidated (wal_status lost)"
                    : "replication slot " + slotName + " is missing")
                    + (offsets.isEmpty() ? " and no offsets are stored, although the audit log has entries"
                    : " although offsets are stored");
            log.error("{}: changes after the stored position are lost; recording a GAP in the audit log and "
                    + "snapshotting the audited tables again", reason);
            if (slot != null) {
                dropSlot(c);
            }
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                String lostAfter = offsets.isEmpty() ? null
                        : "[" + String.join(",", offsets.stream().map(Offset::value).toList()) + "]";
                AuditLogGap.append(c, slotName, lostAfter, reason, clock.instant());
                deleteOffsets(c, offsets);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
            return Start.AS_CONFIGURED;
        }
    }

    /**
     * Debezium's rule ({@code isInitialSnapshotRunning}): an offset of the initial snapshot that is neither its
     * last record nor marked completed.
     */
    static boolean isUnfinishedSnapshot(String offsetJson) {
        JsonNode offset;
        try {
            offset = JSON.readTree(offsetJson);
        } catch (JacksonException e) {
            return false; // not ours to judge; the engine will complain
        }
        JsonNode snapshot = offset.path("snapshot");
        boolean initial = snapshot.asString("").equalsIgnoreCase("INITIAL") || snapshot.asString("").equals("true")
                || (snapshot.isBoolean() && snapshot.booleanValue());
        return initial && !truthy(offset.path("last_snapshot_record")) && !truthy(offset.path("snapshot_completed"));
    }

    private static boolean truthy(JsonNode node) {
        return node.isBoolean() ? node.booleanValue() : node.asString("").equals("true");
    }

    /**
     * Whether the audit log has entries that no GAP accounts for (its newest entry is not a GAP): with neither
     * slot nor offsets, what happened after them is unknown.
     */
    private static boolean hasUnmarkedEntries(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select operation from audit_log order by seq desc limit 1");
             ResultSet rs = ps.executeQuery()) {
            return rs.next() && !"GAP".equals(rs.getString(1));
        }
    }

    private @Nullable Slot slot(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "select wal_status, confirmed_flush_lsn::text from pg_replication_slots where slot_name = ?")) {
            ps.setString(1, slotName);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Slot(rs.getString(1), rs.getString(2)) : null;
            }
        }
    }

    private void dropSlot(Connection c) throws SQLException {
        try (PreparedStatement drop = c.prepareStatement("select pg_drop_replication_slot(?)")) {
            drop.setString(1, slotName);
            drop.execute();
        }
    }

    private List<Offset> offsets(Connection c) throws SQLException {
        List<Offset> values = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "select offset_key, offset_value from " + offsetTable + " order by offset_key");
             ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                values.add(new Offset(rs.getString(1), rs.getString(2)));
            }
        }
        return values;
    }

    private void deleteOffsets(Connection c, List<Offset> offsets) throws SQLException {
        try (PreparedStatement delete = c.prepareStatement("delete from " + offsetTable + " where offset_key = ?")) {
            for (Offset offset : offsets) {
                delete.setString(1, offset.key());
                delete.addBatch();
            }
            delete.executeBatch();
        }
    }
}
