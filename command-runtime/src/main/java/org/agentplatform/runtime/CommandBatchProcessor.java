package org.agentplatform.runtime;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

import org.agentplatform.schema.messaging.Command;
import org.agentplatform.schema.messaging.CommandRejected;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.Event;
import org.agentplatform.schema.messaging.MalformedMessageException;
import org.agentplatform.schema.messaging.MessageCodec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionOperations;

/**
 * Applies one polled batch of command records in one PostgreSQL transaction: inbox dedupe, the worker's
 * state change, outbox rows and consumer positions commit together or not at all.
 *
 * <p>Unreadable records are dead-lettered (and awaited) before the transaction commits their position, so
 * nothing is lost. A batch that fails for a reason that is not transient is replayed one record per
 * transaction, so one poisonous command goes to the dead-letter topic and the rest of the batch proceeds.
 */
final class CommandBatchProcessor<C extends Command> {

    private static final Logger log = LoggerFactory.getLogger(CommandBatchProcessor.class);

    static final String APPLIED = "APPLIED";
    static final String REJECTED = "REJECTED";
    static final String ID_REUSED = "COMMAND_ID_REUSED";

    private final String groupId;
    private final CommandHandler<C> handler;
    private final MessageCodec codec;
    private final Inbox inbox;
    private final Outbox outbox;
    private final ConsumerOffsets offsets;
    private final DeadLetters deadLetters;
    private final TransactionOperations tx;
    private final CommandMetrics metrics;
    private final Clock clock;

    CommandBatchProcessor(String groupId, CommandHandler<C> handler, MessageCodec codec, Inbox inbox, Outbox outbox,
                          ConsumerOffsets offsets, DeadLetters deadLetters, TransactionOperations tx,
                          CommandMetrics metrics, Clock clock) {
        this.groupId = groupId;
        this.handler = handler;
        this.codec = codec;
        this.inbox = inbox;
        this.outbox = outbox;
        this.offsets = offsets;
        this.deadLetters = deadLetters;
        this.tx = tx;
        this.metrics = metrics;
        this.clock = clock;
    }

    void process(List<ConsumerRecord<String, byte[]>> records) {
        if (records.isEmpty()) {
            return;
        }
        List<Incoming<C>> readable = new ArrayList<>(records.size());
        for (ConsumerRecord<String, byte[]> record : records) {
            try {
                readable.add(new Incoming<>(record, codec.decode(record.value(), handler.family())));
            } catch (MalformedMessageException e) {
                deadLetters.publish(record, e);
                metrics.deadLettered(1);
            }
        }
        try {
            tx.executeWithoutResult(status -> apply(readable, records));
        } catch (RuntimeException e) {
            if (Failures.isTransient(e)) {
                throw e; // the container's error handler retries the whole batch with backoff
            }
            log.warn("Batch of {} records failed ({}); applying them one by one", records.size(), e.toString());
            replayOneByOne(readable);
        }
    }

    /** Isolates a poisonous record: each record in its own transaction; the one that fails is dead-lettered. */
    private void replayOneByOne(List<Incoming<C>> readable) {
        for (Incoming<C> one : readable) {
            List<ConsumerRecord<String, byte[]>> single = List.of(one.record());
            try {
                tx.executeWithoutResult(status -> apply(List.of(one), single));
            } catch (RuntimeException e) {
                if (Failures.isTransient(e)) {
                    throw e;
                }
                log.error("Command {} at {}-{}@{} cannot be applied; dead-lettering it", one.envelope().id(),
                        one.record().topic(), one.record().partition(), one.record().offset(), e);
                deadLetters.publish(one.record(), e);
                metrics.deadLettered(1);
                tx.executeWithoutResult(status -> offsets.save(groupId, nextOffsets(single), clock.instant()));
            }
        }
    }

    private void apply(List<Incoming<C>> readable, List<ConsumerRecord<String, byte[]>> positions) {
        Instant now = clock.instant();
        Map<UUID, String> seen = new HashMap<>(inbox.fingerprintsOf(readable.stream().map(i -> i.envelope().id()).toList()));

        List<Incoming<C>> fresh = new ArrayList<>(readable.size());
        List<String> freshFingerprints = new ArrayList<>(readable.size());
        List<Envelope<? extends Event>> events = new ArrayList<>();
        Set<UUID> inBatch = new HashSet<>();
        int duplicates = 0;
        for (Incoming<C> in : readable) {
            Envelope<C> command = in.envelope();
            String fingerprint = codec.fingerprint(command.payload());
            String known = seen.get(command.id());
            if (known != null || !inBatch.add(command.id())) {
                duplicates++;
                if (known != null && !known.equals(fingerprint)) {
                    // A producer reused an id for another command: refuse it visibly, the first one stands.
                    events.add(rejection(command, UUID.randomUUID(), new Outcome.Rejected(ID_REUSED,
                            "command id already used for a command with another payload",
                            "command", command.id().toString()), now));
                }
                continue;
            }
            seen.put(command.id(), fingerprint);
            fresh.add(in);
            freshFingerprints.add(fingerprint);
        }

        List<Outcome> outcomes = fresh.isEmpty() ? List.of()
                : handler.handle(fresh.stream().map(Incoming::envelope).toList());
        if (outcomes.size() != fresh.size()) {
            throw new IllegalStateException(handler.getClass().getSimpleName() + " returned " + outcomes.size()
                    + " outcomes for " + fresh.size() + " commands");
        }

        List<Inbox.Entry> entries = new ArrayList<>(fresh.size());
        int rejected = 0;
        for (int i = 0; i < fresh.size(); i++) {
            Incoming<C> in = fresh.get(i);
            Envelope<C> command = in.envelope();
            Outcome outcome = Objects.requireNonNull(outcomes.get(i), "outcome");
            ConsumerRecord<String, byte[]> r = in.record();
            if (outcome instanceof Outcome.Applied applied) {
                for (Event event : applied.events()) {
                    events.add(Envelope.causedBy(command, UUID.randomUUID(), event, command.actor(), now));
                }
                entries.add(new Inbox.Entry(command.id(), command.type(), freshFingerprints.get(i), APPLIED, null, null,
                        r.topic(), r.partition(), r.offset()));
            } else if (outcome instanceof Outcome.Rejected rejection) {
                rejected++;
                // Stable id: each command is rejected once, and downstream can recognise it.
                UUID eventId = UUID.nameUUIDFromBytes(("rejected:" + command.id()).getBytes(StandardCharsets.UTF_8));
                events.add(rejection(command, eventId, rejection, now));
                entries.add(new Inbox.Entry(command.id(), command.type(), freshFingerprints.get(i), REJECTED,
                        rejection.reason(), rejection.detail(), r.topic(), r.partition(), r.offset()));
            }
        }
        inbox.record(entries, now);
        outbox.append(events, now);
        offsets.save(groupId, nextOffsets(positions), now);
        metrics.batch(positions.size(), fresh.size() - rejected, rejected, duplicates);
    }

    private static Envelope<CommandRejected> rejection(Envelope<?> command, UUID eventId, Outcome.Rejected r,
                                                       Instant now) {
        return Envelope.causedBy(command, eventId,
                new CommandRejected(command.id(), command.type(), r.aggregateType(), r.aggregateId(), r.reason(), r.detail()),
                command.actor(), now);
    }

    private static Map<TopicPartition, Long> nextOffsets(List<ConsumerRecord<String, byte[]>> records) {
        Map<TopicPartition, Long> next = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            next.merge(new TopicPartition(r.topic(), r.partition()), r.offset() + 1, Math::max);
        }
        return next;
    }

    record Incoming<C extends Command>(ConsumerRecord<String, byte[]> record, Envelope<C> envelope) {
    }
}
