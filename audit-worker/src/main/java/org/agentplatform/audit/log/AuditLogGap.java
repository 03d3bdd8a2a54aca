package org.agentplatform.audit.log;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import org.agentplatform.schema.messaging.DerivedIds;
import org.jspecify.annotations.Nullable;

/**
 * The GAP marker: an audit log entry saying that changes after a position were lost (the replication slot
 * was invalidated or dropped) and that the entries that follow re-establish the state by a new snapshot.
 * Chained like every other entry; its {@code change} JSON:
 * {@code {"changeId","schemaVersion":1,"operation":"GAP","schema":"cdc","table":<slot>,"primaryKey":{},
 * "lostAfter":<the last stored engine offset>,"reason","commitTime":<when it was detected>}}.
 */
public final class AuditLogGap {

    static final String SCHEMA = "cdc";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private AuditLogGap() {
    }

    /**
     * Appends the marker in the caller's transaction. Its id derives from the slot and the lost offset, so
     * recording the same gap again (a recovery that stopped after its commit and ran again) logs it once.
     * Without a lost offset (null: none was stored) the newest entry's sequence number takes its place.
     */
    public static UUID append(Connection c, String slotName, @Nullable String lostOffsetJson, String reason,
                              Instant detectedAt)
            throws SQLException {
        String lost = lostOffsetJson != null ? lostOffsetJson : "after-seq:" + newestSeq(c);
        UUID id = DerivedIds.ofName("audit-gap:v1|" + slotName + "|" + lost);
        try (var exists = c.prepareStatement("select 1 from audit_log where change_id = ?")) {
            exists.setObject(1, id);
            try (var rs = exists.executeQuery()) {
                if (rs.next()) {
                    return id;
                }
            }
        }
        ObjectNode gap = JsonNodeFactory.instance.objectNode()
                .put("changeId", id.toString())
                .put("schemaVersion", 1)
                .put("operation", "GAP")
                .put("schema", SCHEMA)
                .put("table", slotName)
                .put("reason", reason)
                .put("commitTime", detectedAt.toString());
        gap.set("primaryKey", JsonNodeFactory.instance.objectNode());
        gap.set("lostAfter", lostOffsetJson == null ? JsonNodeFactory.instance.nullNode() : JSON.readTree(lostOffsetJson));
        AuditLogWriter.appendInTransaction(c, List.of(new AuditLogWriter.Entry(id, SCHEMA, slotName, "GAP", "{}",
                CanonicalChange.of(gap), detectedAt)), detectedAt);
        return id;
    }

    private static long newestSeq(Connection c) throws SQLException {
        try (var newest = c.prepareStatement("select coalesce(max(seq), 0) from audit_log");
             var rs = newest.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
