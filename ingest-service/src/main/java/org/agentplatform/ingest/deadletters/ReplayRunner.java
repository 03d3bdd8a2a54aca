package org.agentplatform.ingest.deadletters;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.agentplatform.runtime.DurableProducers;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.agentplatform.runtime.PeriodicTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.kafka.support.KafkaHeaders;
import org.springframework.stereotype.Component;

/**
 * Runs replay requests, a slice per pass on each instance: at most {@code replay-rate} records per second. A slice
 * reads the dead-letter topic where the replay's committed position says and sends each record that matches the
 * filter back to its topic ({@code replay-count} one higher, {@code replay-request}, {@code replay-source}), or to
 * {@code <topic>.quarantine} when it was replayed {@code max-replays} times already; then it commits, in one Kafka
 * transaction, the records sent and the position after them (with the counts in its metadata). So a crash or a
 * takeover resumes where the last committed slice ended and never sends a record twice for one request; a runner
 * that lost its lease is fenced by the transactional id, which is the replay's.
 *
 * <p>A replay stops at the end offsets recorded when it was asked for: what it dead-letters again is left for the
 * next request. It sends each record to the topic its dead-letter topic is named after, whatever its headers
 * say, so a record planted on a dead-letter topic cannot be replayed anywhere else.
 */
@Component
class ReplayRunner extends PeriodicTask {

    private static final Logger log = LoggerFactory.getLogger(ReplayRunner.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Set<String> DROPPED_HEADERS = Set.of(DeadLetter.REPLAY_COUNT, DeadLetter.REPLAY_REQUEST,
            DeadLetter.REPLAY_SOURCE, DeadLetter.REASON, DeadLetter.ORIGINAL);

    private final Replays replays;
    private final DeadLetterLog deadLetters;
    private final Topics topics;
    private final KafkaProperties kafka;
    private final DeadLetterProperties properties;
    private final Clock clock;
    private final String runner = "ingest-" + UUID.randomUUID();
    /** A replay whose slices keep failing, even for reasons that look transient, ends FAILED after this many. */
    static final int MAX_FAILED_SLICES = 60;
    /** Failed slices in a row, per replay this instance runs. */
    private final Map<UUID, Integer> failures = new java.util.concurrent.ConcurrentHashMap<>();
    /** Quarantine topics known to exist. */
    private final Set<String> quarantines = java.util.concurrent.ConcurrentHashMap.newKeySet();

    ReplayRunner(Replays replays, DeadLetterLog deadLetters, Topics topics, KafkaProperties kafka,
                 DeadLetterProperties properties, Clock clock) {
        super("dead-letter-replays", properties.runInterval());
        this.replays = replays;
        this.deadLetters = deadLetters;
        this.topics = topics;
        this.kafka = kafka;
        this.properties = properties;
        this.clock = clock;
    }

    @Override
    protected void runPass() {
        Optional<Replays.Replay> claimed = replays.claim(runner, clock.instant(),
                clock.instant().minus(properties.staleAfter()));
        claimed.ifPresent(this::slice);
    }

    /** One slice of {@code replay}: at most the budget of one interval, in one Kafka transaction. */
    void slice(Replays.Replay replay) {
        String group = Replays.GROUP_PREFIX + replay.id();
        String target = topics.originalOf(replay.topic());
        try (KafkaConsumer<byte[], byte[]> consumer = deadLetters.consumer(group);
             KafkaProducer<byte[], byte[]> producer = producer(group)) {
            producer.initTransactions(); // fences a runner that lost its lease, and aborts what it left open
            Map<TopicPartition, Long> ends = new HashMap<>();
            replay.endOffsets().forEach((p, end) -> ends.put(new TopicPartition(replay.topic(), p), end));
            Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(ends.keySet());
            Map<TopicPartition, Long> positions = new HashMap<>();
            Map<TopicPartition, Replays.Counts> counts = new HashMap<>();
            for (TopicPartition tp : ends.keySet()) {
                OffsetAndMetadata c = committed.get(tp);
                positions.put(tp, c != null ? c.offset() : start(consumer, tp, replay.filter()));
                counts.put(tp, c != null ? Replays.Counts.decode(c.metadata()) : Replays.Counts.NONE);
            }
            List<TopicPartition> open = ends.keySet().stream().filter(tp -> at(positions, tp) < at(ends, tp)).toList();
            if (!open.isEmpty()) {
                send(replay, target, consumer, producer, open, positions, ends, counts);
            }
            boolean done = ends.keySet().stream().allMatch(tp -> at(positions, tp) >= at(ends, tp));
            Replays.Counts total = counts.values().stream().reduce(Replays.Counts.NONE, Replays.Counts::plus);
            if (!replays.progress(replay.id(), runner, clock.instant(), clock.instant().minus(properties.staleAfter().dividedBy(3)),
                    total, done)) {
                log.warn("Replay {} is no longer this instance's: another took it over", replay.id());
            } else if (done) {
                log.info("Replay {} of {} done: {} replayed, {} quarantined, {} passed over", replay.id(), replay.topic(),
                        total.replayed(), total.quarantined(), total.skipped());
            }
            failures.remove(replay.id());
        } catch (ProducerFencedException fenced) {
            log.warn("Replay {}: another runner took it over (fenced)", replay.id());
        } catch (org.apache.kafka.common.errors.InterruptException e) {
            // the instance is stopping: another resumes the replay once its lease is stale
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            int failed = failures.merge(replay.id(), 1, Integer::sum);
            if (transientFailure(e) && failed < MAX_FAILED_SLICES) {
                // the broker or the database is away: the next pass resumes from the last committed slice
                log.warn("Replay {}: slice failed ({} in a row), resuming on the next pass: {}", replay.id(), failed,
                        e.toString());
                return;
            }
            // what a retry would only repeat (records deleted by retention before they were replayed), or a slice
            // that keeps failing: the replay ends, with why, for the operator to ask again
            log.error("Replay {} failed after {} failed slices", replay.id(), failed, e);
            failures.remove(replay.id());
            replays.fail(replay.id(), runner, clock.instant(), e.toString());
        }
    }

    private void send(Replays.Replay replay, String target, KafkaConsumer<byte[], byte[]> consumer,
                      KafkaProducer<byte[], byte[]> producer, List<TopicPartition> open,
                      Map<TopicPartition, Long> positions, Map<TopicPartition, Long> ends,
                      Map<TopicPartition, Replays.Counts> counts) {
        consumer.assign(open);
        open.forEach(tp -> consumer.seek(tp, at(positions, tp)));
        int budget = properties.sliceBudget();
        producer.beginTransaction();
        try {
            List<TopicPartition> reading = new ArrayList<>(open);
            long deadline = System.nanoTime() + properties.runInterval().toNanos() * 2;
            while (budget > 0 && !reading.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL)) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    if (budget == 0) {
                        break; // the rest is the next slice's: the position stays after the last one sent
                    }
                    if (!reading.contains(tp) || r.offset() >= at(ends, tp)) {
                        continue;
                    }
                    counts.put(tp, at(counts, tp).plus(dispatch(replay, target, r, producer)));
                    positions.put(tp, r.offset() + 1);
                    budget--;
                }
                if (budget > 0) {
                    // every record polled was taken: the consumer's position also skips what it never returns
                    for (TopicPartition tp : List.copyOf(reading)) {
                        positions.put(tp, Math.min(at(ends, tp), Math.max(at(positions, tp), consumer.position(tp))));
                        if (at(positions, tp) >= at(ends, tp)) {
                            reading.remove(tp);
                        }
                    }
                }
            }
            Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
            open.forEach(tp -> commit.put(tp, new OffsetAndMetadata(at(positions, tp), at(counts, tp).encode())));
            producer.sendOffsetsToTransaction(commit, consumer.groupMetadata());
            producer.commitTransaction();
        } catch (ProducerFencedException fenced) {
            throw fenced;
        } catch (RuntimeException e) {
            producer.abortTransaction();
            throw e;
        }
    }

    /** Sends one record back, or to quarantine; returns what it counted. */
    private Replays.Counts dispatch(Replays.Replay replay, String target, ConsumerRecord<byte[], byte[]> r,
                                    KafkaProducer<byte[], byte[]> producer) {
        if (!replay.filter().matches(r)) {
            return new Replays.Counts(0, 0, 1);
        }
        int replayed = DeadLetter.replayCount(r);
        String source = DeadLetter.id(r.topic(), r.partition(), r.offset());
        String from = DeadLetter.originalTopic(r);
        String unfit = !target.equals(from) ? "dead-lettered from " + from + ", not from " + target
                : replayed >= replay.maxReplays() ? "replayed " + replayed + " times, the most request " + replay.id() + " allows"
                : null;
        if (unfit != null) {
            // not sent back: parked, with why, for a person to look at
            if (!quarantines.contains(topics.quarantine(target))) {
                deadLetters.ensureTopic(topics.quarantine(target), target);
                quarantines.add(topics.quarantine(target));
            }
            RecordHeaders headers = new RecordHeaders(r.headers().toArray());
            headers.add("quarantine-reason", unfit.getBytes(StandardCharsets.UTF_8));
            headers.add(DeadLetter.REPLAY_REQUEST, replay.id().toString().getBytes(StandardCharsets.UTF_8));
            headers.add(DeadLetter.REPLAY_SOURCE, source.getBytes(StandardCharsets.UTF_8));
            producer.send(new ProducerRecord<>(topics.quarantine(target), null, r.key(), r.value(), headers));
            return new Replays.Counts(0, 1, 0);
        }
        RecordHeaders headers = new RecordHeaders();
        for (Header h : r.headers()) {
            if (!DROPPED_HEADERS.contains(h.key()) && !h.key().startsWith(KafkaHeaders.PREFIX + "dlt-")) {
                headers.add(h);
            }
        }
        headers.add(DeadLetter.REPLAY_COUNT, String.valueOf(replayed + 1).getBytes(StandardCharsets.UTF_8));
        headers.add(DeadLetter.REPLAY_REQUEST, replay.id().toString().getBytes(StandardCharsets.UTF_8));
        headers.add(DeadLetter.REPLAY_SOURCE, source.getBytes(StandardCharsets.UTF_8));
        // by key, as the original was: the same partition as long as the topic's partitions did not change
        producer.send(new ProducerRecord<>(target, null, r.key(), r.value(), headers));
        return new Replays.Counts(1, 0, 0);
    }

    /** A cause a later slice may not meet: the broker or the database away, anywhere in the cause chain. */
    static boolean transientFailure(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof org.apache.kafka.common.errors.RetriableException || t instanceof DeadLetterLog.Unavailable
                    || t instanceof org.springframework.dao.TransientDataAccessException
                    || t instanceof org.springframework.dao.DataAccessResourceFailureException
                    || t instanceof org.springframework.dao.RecoverableDataAccessException
                    || t instanceof java.sql.SQLTransientException || t instanceof java.sql.SQLRecoverableException
                    || t instanceof java.util.concurrent.TimeoutException) {
                return true;
            }
        }
        return false;
    }

    private static long start(KafkaConsumer<?, ?> consumer, TopicPartition tp, DeadLetterFilter filter) {
        Long offset = filter.offset();
        if (filter.partition() != null && offset != null) {
            return Math.max(offset, DeadLetterLog.startOf(consumer, tp, null));
        }
        return DeadLetterLog.startOf(consumer, tp, filter.from());
    }

    /** {@code tp}'s entry in {@code positions}, {@code ends} or {@code counts}: each holds every partition replayed. */
    private static <V> V at(Map<TopicPartition, V> byPartition, TopicPartition tp) {
        return Objects.requireNonNull(byPartition.get(tp), "not a partition of the replay");
    }

    private KafkaProducer<byte[], byte[]> producer(String transactionalId) {
        Map<String, Object> settings = DurableProducers.settings(kafka.buildProducerProperties());
        settings.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        // an open slice of a runner that died holds read_committed consumers of its partitions back until it is
        // aborted: by the next runner's initTransactions, or by the broker after this
        settings.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                (int) Math.max(10_000, properties.runInterval().multipliedBy(10).toMillis()));
        return new KafkaProducer<>(settings, new ByteArraySerializer(), new ByteArraySerializer());
    }
}
