package org.agentplatform.runtime;

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
import org.agentplatform.schema.messaging.Command;
import org.agentplatform.schema.messaging.CommandRejected;
import org.agentplatform.schema.messaging.DerivedIds;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.Event;
import org.agentplatform.schema.messaging.MalformedMessageException;
import org.agentplatform.schema.messaging.MessageCodec;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;
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
 * nothing is lost; when the id of an unreadable command can be read it is recorded {@code DEAD_LETTERED}
 * ({@code MALFORMED_COMMAND}, with why). A batch that fails for a reason that is not transient is split in halves,
 * each in its own transaction, down to the one command that fails alone: that command is recorded
 * {@code DEAD_LETTERED} ({@code COMMAND_FAILED}) and dead-lettered for the operator, and the rest of the batch is
 * applied in about 2·log2(n) transactions instead of n. A dead-lettered command is not decided: the next delivery
 * of its id (a replay from the dead-letter topic once the cause is fixed) is handled as a new command.
 */
final class CommandBatchProcessor<C extends Command> {

    private static final Logger log = LoggerFactory.getLogger(CommandBatchProcessor.class);

    static final String APPLIED = "APPLIED";
    static final String REJECTED = "REJECTED";
    static final String DEFERRED = "DEFERRED";
    static final String ID_REUSED = "COMMAND_ID_REUSED";
    static final String INVALID_COMMAND = "INVALID_COMMAND";
    static final String WRONG_TOPIC = "WRONG_TOPIC";
    static final String WRONG_KEY = "WRONG_KEY";
    static final String COMMAND_FAILED = "COMMAND_FAILED";
    static final String MALFORMED_COMMAND = "MALFORMED_COMMAND";
    private static final int MAX_VIOLATIONS_SHOWN = 10;
    private static final int MAX_DETAIL = 2_000;

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
    /**
     * Where the consumer of a partition stands without having read further: where it was put (on assignment,
     * after a mismatch) or where its last applied batch ended. When its next batch starts later, the offsets
     * between hold no record (a transactional producer's commit marker follows its last record and takes an
     * offset): the stored position still matches. Forgotten when the partition is revoked, lost or assigned, so
     * an entry never outlives the consumer's hold on the partition.
     */
    private final Map<TopicPartition, Long> standsAt = new java.util.concurrent.ConcurrentHashMap<>();

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

    /**
     * The partitions whose batch starts after where the consumer stood, with where that was, when the offsets
     * between hold no record: where it stood is still in the log (a position retention deleted, from which Kafka's
     * offset reset moved the consumer on, is not a gap but a loss, which the position check reports).
     */
    private static Map<TopicPartition, Long> gaps(Map<TopicPartition, Long> standing, Map<TopicPartition, Long> first,
                                                  Consumer<?, ?> consumer) {
        Map<TopicPartition, Long> jumped = new HashMap<>();
        standing.forEach((tp, at) -> {
            Long start = first.get(tp);
            if (start != null && at < start) {
                jumped.put(tp, at);
            }
        });
        if (jumped.isEmpty()) {
            return jumped;
        }
        Map<TopicPartition, Long> beginnings = consumer.beginningOffsets(jumped.keySet());
        jumped.entrySet().removeIf(e -> beginnings.getOrDefault(e.getKey(), Long.MAX_VALUE) > e.getValue());
        return jumped;
    }

    /** The consumer was put at {@code offset} of {@code tp} (by the assignment of the partition). */
    void seeked(TopicPartition tp, long offset) {
        standsAt.put(tp, offset);
    }

    /** The partitions are no longer (or not yet) this consumer's to read on from where it stood. */
    void forget(java.util.Collection<TopicPartition> partitions) {
        partitions.forEach(standsAt::remove);
    }

    void process(List<ConsumerRecord<String, byte[]>> polled, Consumer<?, ?> consumer) {
        // A retry after a cooperative rebalance may still hold records of partitions this consumer gave away:
        // they are the new owner's to apply.
        Set<TopicPartition> assigned = consumer.assignment();
        List<ConsumerRecord<String, byte[]>> records = polled.stream()
                .filter(r -> assigned.contains(new TopicPartition(r.topic(), r.partition()))).toList();
        if (records.size() < polled.size()) {
            log.info("Skipping {} records of partitions no longer assigned here", polled.size() - records.size());
        }
        if (records.isEmpty()) {
            return;
        }
        // taken out first: whatever becomes of this batch, where the consumer stood is no longer known
        Map<TopicPartition, Long> standing = new HashMap<>();
        for (TopicPartition tp : partitionsOf(records)) {
            Long at = standsAt.remove(tp);
            if (at != null) {
                standing.put(tp, at);
            }
        }
        List<Slot> slots = slots(records, consumer);
        Map<TopicPartition, Long> batchStart = firstOffsets(slots);
        Map<TopicPartition, Long> batchGaps = gaps(standing, batchStart, consumer);
        try {
            transaction(slots, batchGaps);
            nextOffsets(slots).forEach(standsAt::put);
        } catch (ConsumerOffsets.PositionMismatch mismatch) {
            realign(mismatch, batchStart, consumer);
            return;
        } catch (RuntimeException e) {
            if (Failures.isTransient(e)) {
                throw e; // the container's error handler retries the whole batch with backoff
            }
            log.warn("Batch of {} records failed ({}); isolating the command that fails", records.size(), e.toString());
            try {
                isolate(slots, batchGaps);
                nextOffsets(slots).forEach(standsAt::put);
            } catch (ConsumerOffsets.PositionMismatch mismatch) {
                realign(mismatch, batchStart, consumer);
            }
        }
    }

    /**
     * Decodes the records and gives each the position that follows it: the next record of its partition in
     * the batch, or for the last one the consumer's position, which skips what the broker holds but never
     * returns (transaction markers, compacted records), so the stored positions chain without gaps.
     */
    private List<Slot> slots(List<ConsumerRecord<String, byte[]>> records, Consumer<?, ?> consumer) {
        long[] next = new long[records.size()];
        Map<TopicPartition, Integer> lastIndex = new HashMap<>();
        for (int i = 0; i < records.size(); i++) {
            ConsumerRecord<String, byte[]> r = records.get(i);
            Integer previous = lastIndex.put(new TopicPartition(r.topic(), r.partition()), i);
            if (previous != null) {
                next[previous] = r.offset();
            }
        }
        lastIndex.forEach((tp, i) -> {
            long afterLast = records.get(i).offset() + 1;
            next[i] = Math.max(afterLast, consumer.position(tp));
        });
        List<Slot> slots = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            ConsumerRecord<String, byte[]> record = records.get(i);
            try {
                // Read as any command, so that one of another family is refused as WRONG_TOPIC with an outcome.
                slots.add(new Slot(record, codec.decode(record.value(), Command.class), null, next[i]));
            } catch (MalformedMessageException e) {
                slots.add(new Slot(record, null, e, next[i]));
            }
        }
        return slots;
    }

    private void transaction(List<Slot> slots, Map<TopicPartition, Long> gaps) {
        metrics.transaction();
        tx.executeWithoutResult(status -> apply(slots, gaps));
    }

    /** Bisects a failing batch: each half in its own transaction, in order, until one command fails alone. */
    private void isolate(List<Slot> slots, Map<TopicPartition, Long> gaps) {
        if (slots.size() == 1) {
            Slot one = slots.get(0);
            if (!one.readable()) {
                transaction(slots, gaps); // an unreadable record alone is only dead-lettered; it cannot fail here
                return;
            }
            RuntimeException failure;
            try {
                transaction(slots, gaps);
                return;
            } catch (ConsumerOffsets.PositionMismatch mismatch) {
                throw mismatch;
            } catch (RuntimeException e) {
                if (Failures.isTransient(e)) {
                    throw e;
                }
                failure = e;
            }
            Envelope<Command> command = one.envelope();
            log.error("Command {} ({}) at {}-{}@{} cannot be applied; recording it {} ({}) and dead-lettering it",
                    command.id(), command.type(), one.record().topic(), one.record().partition(), one.record().offset(),
                    Inbox.DEAD_LETTERED, COMMAND_FAILED, failure);
            Outcome.DeadLettered failed = new Outcome.DeadLettered(COMMAND_FAILED, describe(failure));
            metrics.transaction();
            tx.executeWithoutResult(status -> {
                offsets.lockAndCheck(groupId, firstOffsets(slots), gaps);
                deadLetters.publish(one.record(), failure);
                metrics.deadLettered(1);
                Inbox.Known known = inbox.known(List.of(command.id())).get(command.id());
                if (known != null && !known.deadLettered()) {
                    // decided meanwhile by another delivery: nothing to record, only the position moves
                    record(slots, List.of(), List.of(), List.of(), Set.of());
                    return;
                }
                record(slots, List.of(one), List.of(codec.fingerprint(command.payload())), List.of(failed),
                        known == null ? Set.of() : Set.of(command.id()));
            });
            return;
        }
        int half = slots.size() / 2;
        for (List<Slot> part : List.of(slots.subList(0, half), slots.subList(half, slots.size()))) {
            try {
                transaction(part, gaps);
            } catch (ConsumerOffsets.PositionMismatch mismatch) {
                throw mismatch;
            } catch (RuntimeException e) {
                if (Failures.isTransient(e)) {
                    throw e;
                }
                isolate(part, gaps);
            }
        }
    }

    private void apply(List<Slot> slots, Map<TopicPartition, Long> gaps) {
        // First the positions, locked: a batch that does not start where they say applies nothing (and before
        // anything is dead-lettered, so a retry or a zombie does not dead-letter the same record again).
        offsets.lockAndCheck(groupId, firstOffsets(slots), gaps);
        List<Inbox.Entry> unreadable = new ArrayList<>();
        for (Slot slot : slots) {
            if (!slot.readable()) {
                deadLetters.publish(slot.record(), slot.malformed());
                metrics.deadLettered(1);
                unreadableEntry(slot).ifPresent(unreadable::add);
            }
        }

        Map<UUID, Inbox.Known> seen = new HashMap<>(inbox.known(slots.stream().filter(Slot::readable)
                .map(s -> s.envelope().id()).toList()));
        Set<UUID> inBatch = new HashSet<>();
        Set<UUID> handledAgain = new HashSet<>();
        List<Envelope<? extends Event>> duplicateEvents = new ArrayList<>();
        int duplicates = 0;
        Instant now = clock.instant();
        List<Slot> fresh = new ArrayList<>(slots.size());
        List<String> fingerprints = new ArrayList<>(slots.size());
        List<Outcome> outcomes = new ArrayList<>(slots.size());
        List<Envelope<C>> toHandle = new ArrayList<>();
        List<Integer> handledAt = new ArrayList<>();
        for (Slot slot : slots) {
            if (!slot.readable()) {
                continue;
            }
            Envelope<Command> command = slot.envelope();
            String fingerprint = codec.fingerprint(command.payload());
            Inbox.Known known = seen.get(command.id());
            // a dead-lettered command is not decided: this delivery (a replay, a producer's retry) is handled as new
            boolean again = known != null && known.handledAgainAs(fingerprint) && !inBatch.contains(command.id());
            if (known != null && !again || !inBatch.add(command.id())) {
                duplicates++;
                if (known != null && !known.fingerprint().equals(fingerprint)) {
                    // A producer reused an id for another command: refuse it visibly, the first one stands.
                    duplicateEvents.add(rejection(recordable(command), UUID.randomUUID(), new Outcome.Rejected(ID_REUSED,
                            "command id already used for a command with another payload",
                            "command", command.id().toString()), now));
                }
                continue;
            }
            seen.put(command.id(), new Inbox.Known(fingerprint, false));
            if (again) {
                handledAgain.add(command.id());
            }
            fresh.add(slot);
            fingerprints.add(fingerprint);
            Optional<Outcome.Rejected> refused = refuse(slot);
            if (refused.isPresent()) {
                outcomes.add(refused.get());
            } else {
                outcomes.add(null);
                handledAt.add(outcomes.size() - 1);
                toHandle.add(asFamily(command));
            }
        }

        if (!toHandle.isEmpty()) {
            List<Outcome> handled = handler.handle(toHandle);
            if (handled.size() != toHandle.size()) {
                throw new IllegalStateException(handler.getClass().getSimpleName() + " returned " + handled.size()
                        + " outcomes for " + toHandle.size() + " commands");
            }
            for (int i = 0; i < handled.size(); i++) {
                Outcome outcome = Objects.requireNonNull(handled.get(i), "outcome");
                if (outcome instanceof Outcome.DeadLettered) {
                    throw new IllegalStateException(handler.getClass().getSimpleName()
                            + " returned DeadLettered, which only the runtime decides");
                }
                outcomes.set(handledAt.get(i), outcome);
            }
        }
        outbox.append(duplicateEvents, now);
        int rejected = record(slots, fresh, fingerprints, outcomes, handledAgain);
        inbox.recordUnreadable(unreadable, now);
        int deferred = (int) outcomes.stream().filter(Outcome.Deferred.class::isInstance).count();
        metrics.batch(slots.size(), fresh.size() - rejected - deferred, rejected, deferred, duplicates);
    }

    /** Checked by {@link #refuse}: the command is of the handler's family. */
    @SuppressWarnings("unchecked")
    private Envelope<C> asFamily(Envelope<Command> command) {
        return (Envelope<C>) (Envelope<?>) command;
    }

    /**
     * Writes the outcomes of {@code fresh} (inbox and events) and the position after {@code slots}; returns the
     * rejections. Outcomes a command decided for deferred ones are written after the inbox rows, so a command
     * deferred and decided in the same batch ends up final too.
     */
    private int record(List<Slot> slots, List<Slot> fresh, List<String> fingerprints, List<Outcome> outcomes,
                       Set<UUID> handledAgain) {
        Instant now = clock.instant();
        List<Envelope<? extends Event>> events = new ArrayList<>();
        List<Inbox.Entry> entries = new ArrayList<>(fresh.size());
        List<Outcome.Finished> finished = new ArrayList<>();
        int rejected = 0;
        for (int i = 0; i < fresh.size(); i++) {
            Slot slot = fresh.get(i);
            Envelope<Command> command = recordable(slot.envelope());
            Outcome outcome = outcomes.get(i);
            ConsumerRecord<String, byte[]> r = slot.record();
            String fingerprint = fingerprints.get(i);
            boolean again = handledAgain.contains(command.id());
            if (outcome instanceof Outcome.Applied applied) {
                for (Event event : applied.events()) {
                    events.add(Envelope.causedBy(command, UUID.randomUUID(), event, command.actor(), now));
                }
                for (Outcome.Finished f : applied.finished()) {
                    events.addAll(DeferredOutcomes.events(f, now));
                    finished.add(f);
                }
                entries.add(new Inbox.Entry(command.id(), command.type(), fingerprint, APPLIED, null, null,
                        command.actor(), r.topic(), r.partition(), r.offset(), again));
            } else if (outcome instanceof Outcome.Rejected rejection) {
                rejected++;
                events.add(rejection(command, rejectionId(command.id()), rejection, now));
                entries.add(new Inbox.Entry(command.id(), command.type(), fingerprint, REJECTED,
                        rejection.reason(), rejection.detail(), command.actor(), r.topic(), r.partition(), r.offset(), again));
            } else if (outcome instanceof Outcome.Deferred deferred) {
                entries.add(new Inbox.Entry(command.id(), command.type(), fingerprint, DEFERRED,
                        deferred.reason(), deferred.detail(), command.actor(), r.topic(), r.partition(), r.offset(), again));
            } else if (outcome instanceof Outcome.DeadLettered dead) {
                entries.add(new Inbox.Entry(command.id(), command.type(), fingerprint, Inbox.DEAD_LETTERED,
                        dead.reason(), dead.detail(), command.actor(), r.topic(), r.partition(), r.offset(), again));
            } else {
                throw new IllegalStateException("no outcome for command " + command.id());
            }
        }
        inbox.record(entries, now);
        inbox.finish(finished, now);
        outbox.append(events, now);
        offsets.save(groupId, nextOffsets(slots), now);
        return rejected;
    }

    /**
     * The inbox row of an unreadable record whose envelope id can be read: DEAD_LETTERED with why, under what of its
     * type and issuer PostgreSQL can store (an issuer it cannot leaves the outcome to the admin). Its fingerprint is
     * of the bytes, so it matches no readable command: the next readable delivery of the id is handled as new.
     */
    private Optional<Inbox.Entry> unreadableEntry(Slot slot) {
        ConsumerRecord<String, byte[]> r = slot.record();
        return codec.identify(r.value()).map(id -> {
            String actor = id.actor() != null
                    && Admissibility.checkText("actor", id.actor(), 1, Admissibility.MAX_ACTOR).isEmpty() ? id.actor() : null;
            return new Inbox.Entry(id.id(), id.type() != null ? id.type() : "unknown", id.fingerprint(), Inbox.DEAD_LETTERED,
                    MALFORMED_COMMAND, bounded(String.valueOf(slot.malformed().getMessage()).replace("\u0000", "")), actor,
                    r.topic(), r.partition(), r.offset(), false);
        });
    }

    /** Bounded: a detail must not make an outcome or a rejection larger than the message limits. */
    private static String bounded(String detail) {
        return detail.length() > MAX_DETAIL ? detail.substring(0, MAX_DETAIL) + "…" : detail;
    }

    /** Stable: each command is rejected once, and downstream can recognise it. */
    static UUID rejectionId(UUID commandId) {
        return DerivedIds.of("rejected", commandId);
    }

    /** What the runtime refuses before the handler sees it: inadmissible, off-contract or forbidden commands. */
    private Optional<Outcome.Rejected> refuse(Slot slot) {
        Envelope<Command> command = slot.envelope();
        Command payload = command.payload();
        List<Violation> violations = Admissibility.check(command);
        if (!violations.isEmpty()) {
            return Optional.of(runtimeRejection(payload, INVALID_COMMAND, summary(violations)));
        }
        String topic = slot.record().topic();
        String key = slot.record().key();
        String expected = topics.commandsFor(payload);
        boolean onItsTopic = handler.family().isInstance(payload)
                && (expected.equals(topic) || topics.carriesLegacy(topic, key, payload));
        if (!onItsTopic) {
            return Optional.of(runtimeRejection(payload, WRONG_TOPIC, command.type() + " belongs on " + expected
                    + ", not " + topic));
        }
        if (!topics.carries(topic, key, payload)) {
            return Optional.of(runtimeRejection(payload, WRONG_KEY, command.type() + " must be keyed "
                    + payload.partitionKey() + (key == null ? ", had no key" : ", had another key")));
        }
        Optional<Refusal> forbidden = CommandPolicy.refusal(Issuer.of(command.actor()), payload);
        return forbidden.map(r -> runtimeRejection(payload, r.reason(), r.field() + ": " + r.detail()));
    }

    /** Bounded: a command full of bad values must not make a rejection larger than the message limits. */
    private static String summary(List<Violation> violations) {
        String shown = bounded(violations.stream().limit(MAX_VIOLATIONS_SHOWN).map(Violation::toString)
                .collect(Collectors.joining("; ")));
        int more = violations.size() - MAX_VIOLATIONS_SHOWN;
        return more > 0 ? shown + "; and " + more + " more" : shown;
    }

    /**
     * A refusal by the runtime, published under the aggregate the worker would have used (so a consumer of
     * {@code events.claim} sees a claim's refusal), with the command's key as the aggregate id.
     */
    private static Outcome.Rejected runtimeRejection(Command payload, String reason, String detail) {
        String key = payload.partitionKey();
        return new Outcome.Rejected(reason, detail, payload.aggregateType(), key == null || key.isEmpty() ? "unknown" : key);
    }

    /**
     * The envelope as it can be recorded: an actor PostgreSQL cannot store (NUL, too long) is recorded
     * cleaned, so the command's refusal is still written.
     */
    private static Envelope<Command> recordable(Envelope<Command> e) {
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
     * Puts the consumer back where PostgreSQL says each partition's next record is, and the batch's other
     * partitions back to where the batch started (their records were not applied either). Seeking back is
     * always safe, the inbox applies a command once. Where the stored position points at records that no
     * longer exist (deleted by retention before they were applied, or a topic recreated or truncated behind
     * it) waiting would never end: the loss is logged and the position moves to what there is.
     */
    private void realign(ConsumerOffsets.PositionMismatch mismatch, Map<TopicPartition, Long> batchStart,
                         Consumer<?, ?> consumer) {
        log.warn("{}; seeking to the stored positions", mismatch.getMessage());
        Set<TopicPartition> assigned = consumer.assignment();
        Map<TopicPartition, Long> stored = mismatch.stored();
        Map<TopicPartition, Long> beginnings = consumer.beginningOffsets(stored.keySet());
        Map<TopicPartition, Long> ends = consumer.endOffsets(stored.keySet());
        batchStart.forEach((tp, first) -> {
            if (!assigned.contains(tp)) {
                return;
            }
            Long position = stored.get(tp);
            if (position == null) {
                consumer.seek(tp, first);
                standsAt.put(tp, first);
                return;
            }
            long beginning = beginnings.getOrDefault(tp, 0L);
            long end = ends.getOrDefault(tp, Long.MAX_VALUE);
            long target = position;
            if (beginning > position) {
                log.error("Records {}@{}..{} were deleted from the broker before they were applied: they are lost; "
                        + "continuing from {}", tp, position, beginning - 1, beginning);
                target = beginning;
            } else if (end < position) {
                log.error("The stored position {} of {} is past the end of the log ({}): the topic was recreated or "
                        + "truncated; applying from {} again (the inbox skips what was applied)", position, tp, end, first);
                target = Math.min(first, end);
            }
            if (target != position) {
                long moved = target;
                metrics.transaction();
                tx.executeWithoutResult(status -> offsets.moveTo(groupId, tp, moved, clock.instant()));
            }
            consumer.seek(tp, target);
            standsAt.put(tp, target);
        });
        metrics.realigned();
    }

    static Envelope<CommandRejected> rejection(Envelope<? extends Command> command, UUID eventId, Outcome.Rejected r,
                                               Instant now) {
        return Envelope.causedBy(command, eventId,
                new CommandRejected(command.id(), command.type(), r.aggregateType(), r.aggregateId(), r.reason(), r.detail()),
                command.actor(), now);
    }

    private static Map<TopicPartition, Long> firstOffsets(List<Slot> slots) {
        Map<TopicPartition, Long> first = new HashMap<>();
        for (Slot s : slots) {
            first.merge(new TopicPartition(s.record().topic(), s.record().partition()), s.record().offset(), Math::min);
        }
        return first;
    }

    /** The partitions of a poll's records, which come a partition at a time: one object per run, not per record. */
    private static Set<TopicPartition> partitionsOf(List<ConsumerRecord<String, byte[]>> records) {
        Set<TopicPartition> partitions = new HashSet<>();
        TopicPartition last = null;
        for (ConsumerRecord<String, byte[]> r : records) {
            if (last == null || last.partition() != r.partition() || !last.topic().equals(r.topic())) {
                last = new TopicPartition(r.topic(), r.partition());
                partitions.add(last);
            }
        }
        return partitions;
    }

    /** The position after the slots: each partition's last slot says which record follows it. */
    private static Map<TopicPartition, Long> nextOffsets(List<Slot> slots) {
        Map<TopicPartition, Long> next = new HashMap<>();
        for (Slot s : slots) {
            next.merge(new TopicPartition(s.record().topic(), s.record().partition()), s.next(), Math::max);
        }
        return next;
    }

    /**
     * A polled record, its command if it could be read (else why not: it is dead-lettered and only moves the
     * position), and the offset that follows it in its partition.
     */
    record Slot(ConsumerRecord<String, byte[]> record, @Nullable Envelope<Command> decoded,
                @Nullable MalformedMessageException unreadable, long next) {

        boolean readable() {
            return decoded != null;
        }

        /** The command of a readable record. */
        Envelope<Command> envelope() {
            if (decoded == null) {
                throw new IllegalStateException("the record at " + record.topic() + "-" + record.partition() + "@"
                        + record.offset() + " is unreadable");
            }
            return decoded;
        }

        /** Why an unreadable record could not be read. */
        MalformedMessageException malformed() {
            if (unreadable == null) {
                throw new IllegalStateException("the record at " + record.topic() + "-" + record.partition() + "@"
                        + record.offset() + " is readable");
            }
            return unreadable;
        }
    }
}
