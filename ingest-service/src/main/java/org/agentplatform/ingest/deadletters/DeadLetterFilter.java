package org.agentplatform.ingest.deadletters;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.agentplatform.ingest.web.FieldProblems;
import org.agentplatform.schema.admission.Admissibility;
import org.agentplatform.schema.admission.Violation;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jspecify.annotations.Nullable;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Which dead letters of a topic a listing shows or a replay sends: a time range of when they were dead-lettered and a
 * reason (a substring of {@code dlt-reason}, any case), or one record ({@code partition} and {@code offset}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeadLetterFilter(@Nullable Instant from, @Nullable Instant to, @Nullable String reason, @Nullable Integer partition,
                        @Nullable Long offset) {

    static final int MAX_REASON = 200;

    public static DeadLetterFilter of(@Nullable Instant from, @Nullable Instant to, @Nullable String reason) {
        return new DeadLetterFilter(from, to, reason, null, null);
    }

    /**
     * What is wrong with it, by field: an instant outside PostgreSQL's range (and Kafka's millisecond clock), {@code to}
     * before {@code from}, a reason with a character the audited table cannot store.
     */
    public List<FieldProblems.FieldError> problems() {
        List<Violation> found = new ArrayList<>();
        if (from != null) {
            found.addAll(Admissibility.checkInstant("from", from));
        }
        if (to != null) {
            found.addAll(Admissibility.checkInstant("to", to));
        }
        if (from != null && to != null && to.isBefore(from)) {
            found.add(new Violation("to", "must not be before from"));
        }
        if (reason != null) {
            found.addAll(Admissibility.checkText("reason", reason, 0, MAX_REASON));
        }
        return found.stream().map(v -> new FieldProblems.FieldError(v.field(), v.message())).toList();
    }

    boolean matches(ConsumerRecord<?, ?> r) {
        if (partition != null && offset != null) {
            return r.partition() == partition && r.offset() == offset;
        }
        if (to != null && r.timestamp() > to.toEpochMilli() || from != null && r.timestamp() < from.toEpochMilli()) {
            return false;
        }
        if (reason == null || reason.isBlank()) {
            return true;
        }
        String why = DeadLetter.text(r, DeadLetter.REASON);
        return why != null && why.toLowerCase(Locale.ROOT).contains(reason.toLowerCase(Locale.ROOT));
    }
}
