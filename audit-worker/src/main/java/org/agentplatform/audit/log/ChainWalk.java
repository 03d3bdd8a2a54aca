package org.agentplatform.audit.log;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * The hash chain check: walks {@code audit_log} in sequence order and finds the first broken link: a hole in
 * {@code seq}, a {@code prev_hash} that is not the previous entry's hash, a hash that is not
 * sha256(prev_hash || change), indexed columns that disagree with the hashed change, or a head row that does not
 * point at the last entry (entries removed at the end).
 */
final class ChainWalk {

    private ChainWalk() {
    }

    /** The first entry whose link is broken, and why. */
    record BrokenLink(long seq, @Nullable UUID changeId, String reason) {
    }

    /**
     * @param entries entries walked (up to and including a broken one)
     * @param broken  the first broken link; null when the chain is intact
     */
    record Result(long entries, @Nullable BrokenLink broken) {
    }

    /** In the caller's transaction, which needs no auto-commit: the walk reads with a cursor. */
    static Result walk(Connection c) throws SQLException {
        byte[] prev = CanonicalChange.GENESIS;
        long expectedSeq = 1;
        long entries = 0;
        try (PreparedStatement walk = c.prepareStatement("""
                select seq, change_id, schema_name, table_name, operation, primary_key::text, change, prev_hash, hash
                from audit_log order by seq""")) {
            walk.setFetchSize(1000);
            try (ResultSet rs = walk.executeQuery()) {
                while (rs.next()) {
                    entries++;
                    long seq = rs.getLong(1);
                    String reason = checkEntry(rs, seq, expectedSeq, prev);
                    if (reason != null) {
                        return new Result(entries, new BrokenLink(seq, rs.getObject(2, UUID.class), reason));
                    }
                    prev = rs.getBytes(9);
                    expectedSeq = seq + 1;
                }
            }
        }
        return new Result(entries, checkHead(c, expectedSeq, prev));
    }

    private static @Nullable String checkEntry(ResultSet rs, long seq, long expectedSeq, byte[] prev)
            throws SQLException {
        if (seq != expectedSeq) {
            return "entries " + expectedSeq + ".." + (seq - 1) + " are missing";
        }
        if (!Arrays.equals(rs.getBytes(8), prev)) {
            return "prev_hash does not match the hash of entry " + (seq - 1);
        }
        String change = rs.getString(7);
        if (!Arrays.equals(CanonicalChange.hash(prev, change), rs.getBytes(9))) {
            return "hash does not match the entry's content (the change was altered)";
        }
        // the indexed columns must say what the hashed change says
        JsonNode parsed;
        try {
            parsed = CanonicalChange.parse(change);
        } catch (JacksonException e) {
            return "the change is not valid JSON";
        }
        UUID id = rs.getObject(2, UUID.class);
        if (!id.toString().equals(parsed.path("changeId").asString())
                || !rs.getString(3).equals(parsed.path("schema").asString())
                || !rs.getString(4).equals(parsed.path("table").asString())
                || !rs.getString(5).equals(parsed.path("operation").asString())
                || !CanonicalChange.parse(rs.getString(6)).equals(parsed.path("primaryKey"))) {
            return "the entry's columns do not match its change";
        }
        return null;
    }

    /** The head must point at the last entry walked; null when it does. */
    private static @Nullable BrokenLink checkHead(Connection c, long expectedSeq, byte[] lastHash) throws SQLException {
        try (PreparedStatement head = c.prepareStatement("select seq, hash from audit_chain_head");
             ResultSet rs = head.executeQuery()) {
            if (!rs.next()) {
                return new BrokenLink(expectedSeq, null, "the chain head row is missing");
            }
            if (rs.getLong(1) != expectedSeq - 1 || !Arrays.equals(rs.getBytes(2), lastHash)) {
                // entries at the end were removed (or the head was moved)
                return new BrokenLink(expectedSeq, null, "the chain head (seq " + rs.getLong(1)
                        + ") does not point at the last entry (seq " + (expectedSeq - 1) + "): entries are missing");
            }
            return null;
        }
    }
}
