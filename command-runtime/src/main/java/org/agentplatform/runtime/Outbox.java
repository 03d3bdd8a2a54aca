package org.agentplatform.runtime;

import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.Event;
import org.agentplatform.schema.messaging.MessageCodec;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The transactional outbox. Rows are written with the state change they describe; the audit worker reads
 * them from the WAL. Deleting them in the same transaction keeps the table empty without a sweeper.
 * Workers use it too for events that no command causes (expiries, rescues), inside their own transaction.
 */
public class Outbox {

    private final JdbcTemplate jdbc;
    private final MessageCodec codec;
    private final boolean deleteRows;

    Outbox(JdbcTemplate jdbc, MessageCodec codec, boolean deleteRows) {
        this.jdbc = jdbc;
        this.codec = codec;
        this.deleteRows = deleteRows;
    }

    /** Must run inside the transaction of the state change the events describe. */
    public void append(List<? extends Envelope<? extends Event>> events, Instant at) {
        if (events.isEmpty()) {
            return;
        }
        Timestamp ts = Timestamp.from(at);
        jdbc.batchUpdate("""
                insert into outbox (id, aggregate_type, aggregate_id, event_type, payload, created_at)
                values (?, ?, ?, ?, ?::jsonb, ?)""",
                events, events.size(), (ps, e) -> {
                    ps.setObject(1, e.id());
                    ps.setString(2, e.payload().aggregateType());
                    ps.setString(3, e.payload().aggregateId());
                    ps.setString(4, e.type());
                    ps.setObject(5, codec.encodeToString(e), Types.OTHER);
                    ps.setTimestamp(6, ts);
                });
        if (deleteRows) {
            jdbc.update("delete from outbox where id = any(?)",
                    (Object) events.stream().map(Envelope::id).toArray(UUID[]::new));
        }
    }
}
