package org.agentplatform.ingest.deadletters;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.agentplatform.ingest.actor.Actor;
import org.agentplatform.ingest.web.FieldProblems;
import org.agentplatform.ingest.web.Reads;
import org.agentplatform.ingest.web.Unavailable;
import org.apache.kafka.common.KafkaException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

/**
 * The admin's view of the dead-letter topics and the replays: list (by topic, time range and reason), show one
 * decoded, replay one or every match back to its topic. Admin only (also enforced for {@code /admin/**} by the
 * security chain). A replay is a request recorded in an audited table and run in the background at a capped rate:
 * the answer is 202 with where to follow it.
 */
@RestController
@Validated
class DeadLetterController {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterController.class);
    private static final long KAFKA_RETRY_AFTER_SECONDS = 5;

    private final DeadLetterLog deadLetters;
    private final Replays replays;
    private final ReplayRequests replayRequests;

    DeadLetterController(DeadLetterLog deadLetters, Replays replays, ReplayRequests replayRequests) {
        this.deadLetters = deadLetters;
        this.replays = replays;
        this.replayRequests = replayRequests;
    }

    @GetMapping("/admin/dead-letters/topics")
    List<DeadLetterLog.TopicSummary> topics(Actor actor) {
        actor.requireAdmin("Reading dead letters");
        return deadLetters.topics();
    }

    @GetMapping("/admin/dead-letters")
    ResponseEntity<?> list(Actor actor, @RequestParam(required = false) @Nullable String topic,
                           @RequestParam(required = false) @Nullable Instant from,
                           @RequestParam(required = false) @Nullable Instant to,
                           @RequestParam(required = false) @Nullable String reason,
                           @RequestParam(defaultValue = "50") @Min(1) @Max(500) int limit) {
        actor.requireAdmin("Reading dead letters");
        if (topic != null && !deadLetters.exists(topic)) {
            return unknownTopic(topic);
        }
        DeadLetterFilter filter = DeadLetterFilter.of(from, to, reason);
        if (!filter.problems().isEmpty()) {
            return invalid(filter.problems());
        }
        return ResponseEntity.ok(deadLetters.list(topic, filter, limit));
    }

    @GetMapping("/admin/dead-letters/{topic}/{partition}/{offset}")
    ResponseEntity<?> show(Actor actor, @PathVariable String topic, @PathVariable int partition, @PathVariable long offset) {
        actor.requireAdmin("Reading dead letters");
        return Reads.found(deadLetters.find(topic, partition, offset),
                "No dead letter " + DeadLetter.id(topic, partition, offset));
    }

    /**
    /**
     * Records the request (who, when, which filter, the end it stops at; {@link ReplayRequests}) and answers 202; a
     * runner sends the records back. {@code partition} and {@code offset} together replay that one record.
     */
    @PostMapping(path = "/admin/dead-letters/replays", consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<?> replay(Actor actor, @Valid @RequestBody ReplayRequest request) {
        actor.requireAdmin("Replaying dead letters");
        DeadLetterFilter filter = new DeadLetterFilter(request.from(), request.to(), request.reason(), request.partition(),
                request.offset());
        ReplayRequests.Outcome outcome = replayRequests.request(actor.name(), request.topic(), filter, request.maxReplays());
        if (outcome instanceof ReplayRequests.Outcome.Refused refused) {
            return invalid(refused.errors());
        }
        Replays.Replay created = ((ReplayRequests.Outcome.Created) outcome).replay();
        return ResponseEntity.accepted().location(URI.create("/admin/dead-letters/replays/" + created.id())).body(created);
    }

    @GetMapping("/admin/dead-letters/replays")
    List<Replays.Replay> replays(Actor actor, @RequestParam(defaultValue = "50") @Min(1) @Max(500) int limit) {
        actor.requireAdmin("Reading replays");
        return replays.recent(limit);
    }

    @GetMapping("/admin/dead-letters/replays/{id}")
    ResponseEntity<?> replay(Actor actor, @PathVariable UUID id) {
        actor.requireAdmin("Reading replays");
        return Reads.found(replays.find(id), "No replay " + id);
    }

    /** The broker is not reachable: the dead letters are there, only not readable now. */
    @ExceptionHandler({ KafkaException.class, DeadLetterLog.Unavailable.class })
    ResponseEntity<ProblemDetail> kafkaUnavailable(RuntimeException e) {
        log.warn("Dead letters unavailable: {}", e.toString());
        return Unavailable.answer(Unavailable.problem("Kafka unavailable", "Kafka is not reachable at the moment"),
                KAFKA_RETRY_AFTER_SECONDS);
    }

    private static ResponseEntity<?> unknownTopic(String topic) {
        return invalid("topic", "not a dead-letter topic of this system: " + topic);
    }

    private static ResponseEntity<?> invalid(String field, String detail) {
        return invalid(List.of(new FieldProblems.FieldError(field, detail)));
    }

    private static ResponseEntity<?> invalid(List<FieldProblems.FieldError> errors) {
        return ResponseEntity.badRequest().contentType(MediaType.APPLICATION_PROBLEM_JSON).body(FieldProblems.invalid(errors));
    }

    /**
     * @param topic      the dead-letter topic, e.g. {@code commands.karma.dlt}
     * @param maxReplays a record replayed this many times already is quarantined (default: the setting)
     */
    record ReplayRequest(@NotBlank @Size(max = 249) String topic, @Nullable Instant from, @Nullable Instant to,
                         @Nullable String reason, @Nullable @PositiveOrZero Integer partition,
                         @Nullable @PositiveOrZero Long offset, @Nullable @Min(1) @Max(100) Integer maxReplays) {

        @AssertTrue(message = "partition and offset go together (one record), and then without from, to or reason")
        boolean isOffset() {
            boolean one = partition != null || offset != null;
            return !one || partition != null && offset != null && from == null && to == null && reason == null;
        }
    }
}
