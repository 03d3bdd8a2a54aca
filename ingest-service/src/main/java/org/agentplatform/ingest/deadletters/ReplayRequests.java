package org.agentplatform.ingest.deadletters;

import java.time.Clock;
import java.util.List;
import java.util.Map;

import org.agentplatform.ingest.web.FieldProblems.FieldError;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Asking for a replay, as the REST API ({@code POST /admin/dead-letters/replays}) and the console both do: the
 * filter checked, the topic and record looked up, the end offsets it stops at fixed now, and the request recorded
 * in the audited {@link Replays} table for a runner to carry out. One place, so that both ask the same way.
 */
@Component
public class ReplayRequests {

    private static final Logger log = LoggerFactory.getLogger(ReplayRequests.class);

    private final DeadLetterLog deadLetters;
    private final Replays replays;
    private final DeadLetterProperties properties;
    private final Clock clock;

    ReplayRequests(DeadLetterLog deadLetters, Replays replays, DeadLetterProperties properties, Clock clock) {
        this.deadLetters = deadLetters;
        this.replays = replays;
        this.properties = properties;
        this.clock = clock;
    }

    /** The replay recorded, or what is wrong with the request, by field. */
    public sealed interface Outcome {
        record Created(Replays.Replay replay) implements Outcome {
        }

        record Refused(List<FieldError> errors) implements Outcome {
        }
    }

    /**
     * @param filter     a time range and reason, or one record (partition and offset)
     * @param maxReplays null for the setting
     */
    public Outcome request(String requestedBy, String topic, DeadLetterFilter filter, @Nullable Integer maxReplays) {
        if (!filter.problems().isEmpty()) {
            return new Outcome.Refused(filter.problems());
        }
        if (!deadLetters.exists(topic)) {
            return refused("topic", "not a dead-letter topic of this system: " + topic);
        }
        Map<Integer, Long> ends = deadLetters.endOffsets(topic);
        Integer partition = filter.partition();
        Long offset = filter.offset();
        if (partition != null && !ends.containsKey(partition)) {
            return refused("partition", topic + " has no partition " + partition);
        }
        if (partition != null && offset != null) {
            if (deadLetters.find(topic, partition, offset).isEmpty()) {
                return refused("offset", "no dead letter at " + DeadLetter.id(topic, partition, offset));
            }
            // one record: its partition only, up to and including it
            ends = Map.of(partition, offset + 1);
        }
        Replays.Replay created = replays.create(requestedBy, clock.instant(), topic, filter,
                maxReplays == null ? properties.maxReplays() : maxReplays, ends);
        log.info("Replay {} of {} requested by {}: {}", created.id(), created.topic(), requestedBy, created.filter());
        return new Outcome.Created(created);
    }

    /** The newest replay requests first. */
    public List<Replays.Replay> recent(int limit) {
        return replays.recent(limit);
    }


    private static Outcome refused(String field, String detail) {
        return new Outcome.Refused(List.of(new FieldError(field, detail)));
    }
}
