package org.agentplatform.runtime;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import org.agentplatform.schema.admission.Admissibility;
import org.agentplatform.schema.admission.Violation;
import org.agentplatform.schema.authorization.CommandPolicy;
import org.agentplatform.schema.authorization.Issuer;
import org.agentplatform.schema.authorization.Refusal;
import org.agentplatform.schema.jobs.JobCommand;
import org.agentplatform.schema.ledger.Claims;
import org.agentplatform.schema.ledger.DisputeClaim;
import org.agentplatform.schema.ledger.ReactivateAgent;
import org.agentplatform.schema.ledger.RegisterAgent;
import org.agentplatform.schema.ledger.SubmitClaim;
import org.agentplatform.schema.ledger.SuspendAgent;
import org.agentplatform.schema.ledger.VerifyClaim;
import org.agentplatform.schema.messaging.Command;
import org.agentplatform.schema.messaging.CommandRejected;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.Event;
import org.agentplatform.schema.messaging.MalformedMessageException;
import org.agentplatform.schema.messaging.MessageCodec;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionOperations;

/**
 * Applies one polled batch of command records in one PostgreSQL transaction: inbox dedupe, the worker's
 * state change, outbox rows and consumer positions commit together or not at all.
 *
 * <p>Before a command reaches the worker's handler the runtime refuses, as recorded outcomes, what no worker
 * may apply: a command that PostgreSQL cannot store ({@code INVALID_COMMAND}, by {@link Admissibility}), one
 * on a topic or with a key other than its contract ({@code WRONG_TOPIC}, {@code WRONG_KEY}: applying it would
 * break per-key order), and one its issuer may not send ({@code FORBIDDEN}, by {@link CommandPolicy}).
 *
 * <p>Unreadable records are dead-lettered (and awaited) before the transaction commits their position, so
 * nothing is lost. A batch that fails for a reason that is not transient is split in halves, each in its own
 * transaction, down to the one command that fails alone: that command is recorded as rejected
 * ({@code COMMAND_FAILED}) and dead-lettered for the operator, and the rest of the batch is applied in
 * about 2·log2(n) transactions instead of n.
 */
final class CommandBatchProcessor<C extends Command> {

    private static final Logger log = LoggerFactory.getLogger(CommandBatchProcessor.class);

    static final String APPLIED = "APPLIED";
    static final String REJECTED = "REJECTED";
    static final String ID_REUSED = "COMMAND_ID_REUSED";
    static final String INVALID_COMMAND = "INVALID_COMMAND";
    static final String WRONG_TOPIC = "WRONG_TOPIC";
    static final String WRONG_KEY = "WRONG_KEY";
    static final String COMMAND_FAILED = "COMMAND_FAILED";

    private final String groupId;
    private final CommandHandler<C> handler;
    private final MessageCodec codec;
    private final Topics topics;
    private final Inbox inbox;
    private final Outbox outbox;
    private final ConsumerOffsets offsets;
    private final DeadLetters deadLetters;
    private final TransactionOperations tx;
    private final CommandMetrics metrics;
    private final Clock clock;

    CommandBatchProcessor(String groupId, CommandHandler<C> handler, MessageCodec codec, Topics topics, Inbox inbox,
                          Outbox outbox, ConsumerOffsets offsets, DeadLetters deadLetters, TransactionOperations tx,
                          CommandMetrics metrics, Clock clock) {
        this.groupId = groupId;
        this.handler = handler;
        this.codec = codec;
        this.topics = topics;
        this.inbox = inbox;
        this.outbox = outbox;
        this.offsets = offsets;
        this.deadLetters = deadLetters;
        this.tx = tx;
        this.metrics = metrics;
        this.clock = clock;
    }

    void process(List<ConsumerRecord<String, byte[]>> records, Consumer<?, ?> consumer) {
        if (records.isEmpty()) {
            return;
        }
        List<Slot<C>> slots = new ArrayList<>(records.size());
        for (ConsumerRecord<String, byte[]> record : records) {
            try {
                slots.add(new Slot<>(record, codec.decode(record.value(), handler.family())));
            } catch (MalformedMessageException e) {
                // dead-lettered (and awaited) before any transaction can commit its position: nothing is lost
                deadLetters.publish(record, e);
                metrics.deadLettered(1);
                slots.add(new Slot<>(record, null));
            }
        }
        try {
            transaction(slots);
        } catch (ConsumerOffsets.PositionMismatch mismatch) {
            realign(mismatch, consumer);
            return;
        } catch (RuntimeException e) {
            if (Failures.isTransient(e)) {
                throw e; // the container's error handler retries the whole batch with backoff
            }
            log.warn("Batch of {} records failed ({}); isolating the command that fails", records.size(), e.toString());
            try {
                isolate(slots);
            } catch (ConsumerOffsets.PositionMismatch mismatch) {
                realign(mismatch, consumer);
                return;
            }
        }
    }

    private void transaction(List<Slot<C>> slots) {
        metrics.transaction();
        tx.executeWithoutResult(status -> apply(slots));
    }

    /** Bisects a failing batch: each half in its own transaction, in order, until one command fails alone. */
    private void isolate(List<Slot<C>> slots) {
        if (slots.size() == 1) {
            Slot<C> one = slots.get(0);
            if (one.envelope() == null) {
                transaction(slots); // an unreadable record alone only moves the position; it cannot fail here
                return;
            }
            RuntimeException failure;
            try {
                transaction(slots);
                return;
            } catch (ConsumerOffsets.PositionMismatch mismatch) {
                throw mismatch;
            } catch (RuntimeException e) {
                if (Failures.isTransient(e)) {
                    throw e;
                }
                failure = e;
            }
            Envelope<C> command = one.envelope();
            log.error("Command {} ({}) at {}-{}@{} cannot be applied; recording it as {} and dead-lettering it",
                    command.id(), command.type(), one.record().topic(), one.record().partition(), one.record().offset(),
                    COMMAND_FAILED, failure);
            deadLetters.publish(one.record(), failure);
            metrics.deadLettered(1);
            Outcome.Rejected failed = runtimeRejection(command.payload(), COMMAND_FAILED, describe(failure));
            metrics.transaction();
            tx.executeWithoutResult(status -> {
                offsets.lockAndCheck(groupId, firstOffsets(slots));
                record(slots, List.of(one), List.of(codec.fingerprint(command.payload())), List.of(failed));
            });
            return;
        }
        int half = slots.size() / 2;
        for (List<Slot<C>> part : List.of(slots.subList(0, half), slots.subList(half, slots.size()))) {
            try {
                transaction(part);
            } catch (ConsumerOffsets.PositionMismatch mismatch) {
                throw mismatch;
            } catch (RuntimeException e) {
                if (Failures.isTransient(e)) {
                    throw e;
                }
                isolate(part);
            }
        }
    }

    private void apply(List<Slot<C>> slots) {
        List<Slot<C>> fresh = new ArrayList<>(slots.size());
        List<Outcome> outcomes = new ArrayList<>(slots.size());
        offsets.lockAndCheck(groupId, firstOffsets(slots));

        Map<UUID, String> seen = new HashMap<>(inbox.fingerprintsOf(slots.stream().filter(Slot::readable)
                .map(s -> s.envelope().id()).toList()));
        Set<UUID> inBatch = new HashSet<>();
        List<Envelope<? extends Event>> duplicateEvents = new ArrayList<>();
        int duplicates = 0;
        Instant now = clock.instant();
        List<Slot<C>> toHandle = new ArrayList<>();
        List<String> fingerprints = new ArrayList<>(slots.size());
        List<Integer> handledAt = new ArrayList<>();
        for (Slot<C> slot : slots) {
            if (!slot.readable()) {
                continue;
            }
            Envelope<C> command = slot.envelope();
            String fingerprint = codec.fingerprint(command.payload());
            String known = seen.get(command.id());
            if (known != null || !inBatch.add(command.id())) {
                duplicates++;
                if (known != null && !known.equals(fingerprint)) {
                    // A producer reused an id for another command: refuse it visibly, the first one stands.
                    duplicateEvents.add(rejection(recordable(command), UUID.randomUUID(), new Outcome.Rejected(ID_REUSED,
                            "command id already used for a command with another payload",
                            "command", command.id().toString()), now));
                }
                continue;
            }
            seen.put(command.id(), fingerprint);
            fresh.add(slot);
            fingerprints.add(fingerprint);
            Optional<Outcome.Rejected> refused = refuse(slot);
            if (refused.isPresent()) {
                outcomes.add(refused.get());
            } else {
                outcomes.add(null);
                handledAt.add(outcomes.size() - 1);
                toHandle.add(slot);
            }
        }

        if (!toHandle.isEmpty()) {
            List<Outcome> handled = handler.handle(toHandle.stream().map(Slot::envelope).toList());
            if (handled.size() != toHandle.size()) {
                throw new IllegalStateException(handler.getClass().getSimpleName() + " returned " + handled.size()
                        + " outcomes for " + toHandle.size() + " commands");
            }
            for (int i = 0; i < handled.size(); i++) {
                outcomes.set(handledAt.get(i), Objects.requireNonNull(handled.get(i), "outcome"));
            }
        }
        outbox.append(duplicateEvents, now);
        int rejected = record(slots, fresh, fingerprints, outcomes);
        metrics.batch(slots.size(), fresh.size() - rejected, rejected, duplicates);
    }

    /** Writes the outcomes of {@code fresh} (inbox and events) and the position after {@code slots}; returns the rejections. */
    private int record(List<Slot<C>> slots, List<Slot<C>> fresh, List<String> fingerprints, List<Outcome> outcomes) {
        Instant now = clock.instant();
        List<Envelope<? extends Event>> events = new ArrayList<>();
        List<Inbox.Entry> entries = new ArrayList<>(fresh.size());
        int rejected = 0;
        for (int i = 0; i < fresh.size(); i++) {
            Slot<C> slot = fresh.get(i);
            Envelope<C> command = recordable(slot.envelope());
            Outcome outcome = outcomes.get(i);
            ConsumerRecord<String, byte[]> r = slot.record();
            String fingerprint = fingerprints.get(i);
            if (outcome instanceof Outcome.Applied applied) {
                for (Event event : applied.events()) {
                    events.add(Envelope.causedBy(command, UUID.randomUUID(), event, command.actor(), now));
                }
                entries.add(new Inbox.Entry(command.id(), command.type(), fingerprint, APPLIED, null, null,
                        command.actor(), r.topic(), r.partition(), r.offset()));
            } else if (outcome instanceof Outcome.Rejected rejection) {
                rejected++;
                // Stable id: each command is rejected once, and downstream can recognise it.
                UUID eventId = UUID.nameUUIDFromBytes(("rejected:" + command.id()).getBytes(StandardCharsets.UTF_8));
                events.add(rejection(command, eventId, rejection, now));
                entries.add(new Inbox.Entry(command.id(), command.type(), fingerprint, REJECTED,
                        rejection.reason(), rejection.detail(), command.actor(), r.topic(), r.partition(), r.offset()));
            } else {
                throw new IllegalStateException("no outcome for command " + command.id());
            }
        }
        inbox.record(entries, now);
        outbox.append(events, now);
        offsets.save(groupId, nextOffsets(slots), now);
        return rejected;
    }

    /** What the runtime refuses before the handler sees it: inadmissible, off-contract or forbidden commands. */
    private Optional<Outcome.Rejected> refuse(Slot<C> slot) {
        Envelope<C> command = slot.envelope();
        C payload = command.payload();
        List<Violation> violations = Admissibility.check(command);
        if (!violations.isEmpty()) {
            return Optional.of(runtimeRejection(payload, INVALID_COMMAND,
                    violations.stream().map(Violation::toString).collect(Collectors.joining("; "))));
        }
        String expectedTopic = topics.commandsFor(payload);
        if (!expectedTopic.equals(slot.record().topic())) {
            return Optional.of(runtimeRejection(payload, WRONG_TOPIC,
                    command.type() + " belongs on " + expectedTopic + ", not " + slot.record().topic()));
        }
        if (!payload.partitionKey().equals(slot.record().key())) {
            return Optional.of(runtimeRejection(payload, WRONG_KEY, command.type() + " must be keyed "
                    + payload.partitionKey() + (slot.record().key() == null ? ", had no key" : ", had another key")));
        }
        Optional<Refusal> forbidden = CommandPolicy.refusal(Issuer.of(command.actor()), payload);
        return forbidden.map(r -> runtimeRejection(payload, r.reason(), r.field() + ": " + r.detail()));
    }

    /**
     * A refusal by the runtime, published under the aggregate the worker would have used (so a consumer of
     * {@code events.claim} sees a claim's refusal), with the command's key as the aggregate id.
     */
    private static Outcome.Rejected runtimeRejection(Command payload, String reason, String detail) {
        String key = payload.partitionKey();
        return new Outcome.Rejected(reason, detail, aggregateTypeOf(payload), key == null || key.isEmpty() ? "unknown" : key);
    }

    private static String aggregateTypeOf(Command payload) {
        if (payload instanceof JobCommand) {
            return Topics.AGGREGATE_JOB;
        }
        if (payload instanceof SubmitClaim || payload instanceof VerifyClaim || payload instanceof DisputeClaim) {
            return Claims.AGGREGATE;
        }
        if (payload instanceof RegisterAgent || payload instanceof SuspendAgent || payload instanceof ReactivateAgent) {
            return Topics.AGGREGATE_AGENT;
        }
        return Topics.AGGREGATE_KARMA;
    }

    /**
     * The envelope as it can be recorded: an actor PostgreSQL cannot store (NUL, too long) is recorded
     * cleaned, so the command's refusal is still written.
     */
    private static <C extends Command> Envelope<C> recordable(Envelope<C> e) {
        if (Admissibility.checkText("actor", e.actor(), 1, Admissibility.MAX_ACTOR).isEmpty()) {
            return e;
        }
        String clean = e.actor().replace("\u0000", "").codePoints().limit(Admissibility.MAX_ACTOR)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        if (!Admissibility.checkText("actor", clean, 1, Admissibility.MAX_ACTOR).isEmpty()) {
            clean = "invalid-actor";
        }
        return new Envelope<>(e.id(), e.type(), e.schemaVersion(), e.occurredAt(), clean, e.correlationId(),
                e.causationId(), e.payload());
    }

    /** A short reason the issuer may read: the SQLSTATE and the kind of failure, not the database's message. */
    private static String describe(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                return "the database refused the command (SQLSTATE " + sql.getSQLState() + ")";
            }
        }
        return "the worker could not apply the command (" + failure.getClass().getSimpleName() + ")";
    }

    /**
     * Puts the consumer back where PostgreSQL says each partition's next record is. Only if the records from
     * there on no longer exist (deleted by retention before they were applied: lost, and said so) does the
     * stored position move to the first record there is, so that the partition is not stuck for good.
     */
    private void realign(ConsumerOffsets.PositionMismatch mismatch, Consumer<?, ?> consumer) {
        log.warn("{}; seeking to the stored positions", mismatch.getMessage());
        Map<TopicPartition, Long> beginnings = consumer.beginningOffsets(mismatch.stored().keySet());
        mismatch.stored().forEach((tp, stored) -> {
            Long beginning = beginnings.get(tp);
            if (beginning != null && beginning > stored) {
                log.error("Records {}@{}..{} were deleted from the broker before they were applied: they are lost; "
                        + "continuing from {}", tp, stored, beginning - 1, beginning);
                metrics.transaction();
                tx.executeWithoutResult(status -> offsets.moveTo(groupId, tp, beginning, clock.instant()));
                consumer.seek(tp, beginning);
            } else {
                consumer.seek(tp, stored);
            }
        });
        metrics.realigned();
    }

    private static <C extends Command> Envelope<CommandRejected> rejection(Envelope<C> command, UUID eventId,
                                                                           Outcome.Rejected r, Instant now) {
        return Envelope.causedBy(command, eventId,
                new CommandRejected(command.id(), command.type(), r.aggregateType(), r.aggregateId(), r.reason(), r.detail()),
                command.actor(), now);
    }

    private static <C extends Command> Map<TopicPartition, Long> firstOffsets(List<Slot<C>> slots) {
        Map<TopicPartition, Long> first = new HashMap<>();
        for (Slot<C> s : slots) {
            first.merge(new TopicPartition(s.record().topic(), s.record().partition()), s.record().offset(), Math::min);
        }
        return first;
    }

    private static <C extends Command> Map<TopicPartition, Long> nextOffsets(List<Slot<C>> slots) {
        Map<TopicPartition, Long> next = new HashMap<>();
        for (Slot<C> s : slots) {
            next.merge(new TopicPartition(s.record().topic(), s.record().partition()), s.record().offset() + 1, Math::max);
        }
        return next;
    }

    /** A polled record and, if it could be read, its command (an unreadable one only moves the position). */
    record Slot<C extends Command>(ConsumerRecord<String, byte[]> record, Envelope<C> envelope) {

        boolean readable() {
            return envelope != null;
        }
    }
}
