package org.agentplatform.jobs.lifecycle;

import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.MessageCodec;
import org.agentplatform.schema.jobs.JobEvent;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Outbox rows for events raised outside a command batch (the rescuer), in the row format of the command
 * runtime's own outbox, which is not public.
 */
@Component
class JobOutbox {

    private final JdbcTemplate jdbc;
    private final MessageCodec codec;
    private final boolean deleteRows;

    JobOutbox(JdbcTemplate jdbc, MessageCodec codec,
              @Value("${platform.consumer.delete-outbox-rows:true}") boolean deleteRows) {
        this.jdbc = jdbc;
        this.codec = codec;
        this.deleteRows = deleteRows;
    }

    void append(List<Envelope<JobEvent>> events, Instant at) {
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
            // the WAL keeps the insert for CDC
            jdbc.update("delete from outbox where id = any(?)", (Object) events.stream().map(Envelope::id).toArray(UUID[]::new));
        }
    }
}
