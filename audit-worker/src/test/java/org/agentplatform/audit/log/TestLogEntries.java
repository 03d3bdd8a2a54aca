package org.agentplatform.audit.log;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

import org.agentplatform.schema.audit.AuditChange;

/** For tests outside this package: appends a change to the chain in the caller's transaction. */
public final class TestLogEntries {

    private TestLogEntries() {
    }

    public static void append(Connection c, AuditChange change, Instant recordedAt) throws SQLException {
        AuditLogWriter.appendInTransaction(c, List.of(AuditLogWriter.Entry.of(change)), recordedAt);
    }
}
