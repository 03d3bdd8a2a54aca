package org.agentplatform.bench.chaos;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.agentplatform.bench.LoadGenerator;
import org.agentplatform.schema.jobs.CompleteJob;
import org.agentplatform.schema.jobs.JobLeased;
import org.agentplatform.schema.jobs.RequestLease;
import org.agentplatform.schema.jobs.SubmitJob;
import org.agentplatform.schema.ledger.DisputeClaim;
import org.agentplatform.schema.ledger.GrantKarma;
import org.agentplatform.schema.ledger.PostPending;
import org.agentplatform.schema.ledger.RegisterAgent;
import org.agentplatform.schema.ledger.ReserveKarma;
import org.agentplatform.schema.ledger.SubmitClaim;
import org.agentplatform.schema.ledger.TransferBatch;
import org.agentplatform.schema.ledger.TransferKarma;
import org.agentplatform.schema.ledger.VerifyClaim;
import org.agentplatform.schema.ledger.VoidPending;
import org.agentplatform.schema.messaging.Command;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.MessageCodec;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

import tools.jackson.databind.node.JsonNodeFactory;

/**
 * The seeded mixed load published straight to Kafka: transfers over rich, poor (overdrafts) and hot accounts,
 * reservations posted or voided (some at once, racing their reservation), linked batches, claims with their votes,
 * priced and free jobs through lease and completion, exact duplicates of earlier records and malformed records.
 * It remembers every record it sent and which the broker acknowledged (a failed send is sent again, the same
 * bytes), which is what the checks hold the system to.
 */
final class ChaosLoad {

    static final String ACTOR = "chaos-run";
    static final long RICH_GRANT = 1_000_000;
    static final long POOR_GRANT = 30;
    private static final MessageCodec CODEC = new MessageCodec();

    /** A valid command sent: what, where, and when it first left (epoch micros). */
    record Sent(UUID id, Command command, String topic, String key, byte[] bytes, long sentMicros) {
    }

    private final SplittableRandom random;
    private final Topics topics = new Topics("");
    private final KafkaProducer<String, byte[]> producer;
    final List<UUID> rich = new ArrayList<>();
    final List<UUID> poor = new ArrayList<>();
    final List<UUID> executors = new ArrayList<>();
    final List<UUID> httpAgents = new ArrayList<>();
    final Map<UUID, Sent> sent = new ConcurrentHashMap<>();
    final Set<UUID> acked = ConcurrentHashMap.newKeySet();
    /** SHA-256 of every malformed record sent. */
    final Set<String> malformed = ConcurrentHashMap.newKeySet();
    final AtomicLong duplicates = new AtomicLong();
    final AtomicLong sendFailures = new AtomicLong();
    private final List<Sent> history = new ArrayList<>();
    private final Queue<Sent> retries = new ConcurrentLinkedQueue<>();
    private final Queue<JobLeased> leases = new ConcurrentLinkedQueue<>();
    private final Deque<Long> unleased = new ArrayDeque<>();
    private final Deque<Resolution> resolutions = new ArrayDeque<>();
    private final Deque<OpenClaim> claims = new ArrayDeque<>();

    ChaosLoad(long seed, String bootstrap) {
        this.random = new SplittableRandom(seed);
        this.producer = LoadGenerator.producer(bootstrap, "lz4");
        for (int i = 0; i < 100; i++) {
            rich.add(UUID.randomUUID());
        }
        for (int i = 0; i < 20; i++) {
            poor.add(UUID.randomUUID());
        }
        for (int i = 0; i < 8; i++) {
            executors.add(UUID.randomUUID());
            httpAgents.add(UUID.randomUUID());
        }
    }

    /** Registrations of every agent the load uses, then their grants (an account must exist before a grant). */
    List<Command> registrations() {
        List<Command> out = new ArrayList<>();
        int n = 0;
        for (List<UUID> group : List.of(rich, poor, executors, httpAgents)) {
            for (UUID id : group) {
                out.add(new RegisterAgent(id, "chaos-" + n++));
            }
        }
        return out;
    }

    List<Command> grants() {
        List<Command> out = new ArrayList<>();
        rich.forEach(id -> out.add(new GrantKarma(id, RICH_GRANT)));
        poor.forEach(id -> out.add(new GrantKarma(id, POOR_GRANT)));
        httpAgents.forEach(id -> out.add(new GrantKarma(id, RICH_GRANT)));
        return out;
    }

    void sendAll(List<Command> commands) {
        commands.forEach(this::send);
        producer.flush();
    }

    private volatile long until;

    /** Moves the end of the load (System.nanoTime()); only later, never earlier. */
    void runUntil(long nanos) {
        until = Math.max(until, nanos);
    }

    long until() {
        return until;
    }

    /** Runs the open-loop load on the calling thread until {@link #until()} (System.nanoTime()), which may move. */
    void run(int rate) {
        long start = System.nanoTime();
        long n = 0;
        while (System.nanoTime() < until) {
            long due = (long) ((System.nanoTime() - start) / 1e9 * rate);
            for (; n < due; n++) {
                next();
            }
            resendFailed();
            LockSupport.parkNanos(2_000_000);
        }
        producer.flush();
    }

    /** Re-sends what the broker refused until everything sent is acknowledged (or {@code timeout} passes). */
    boolean awaitAcknowledged(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            resendFailed();
            producer.flush();
            if (acked.size() >= sent.size() && retries.isEmpty()) {
                return true;
            }
            LockSupport.parkNanos(200_000_000);
        }
        return false;
    }

    void leased(JobLeased lease) {
        leases.add(lease);
    }

    private void next() {
        Resolution r = resolutions.peekFirst();
        if (r != null && r.dueNanos() <= System.nanoTime()) {
            resolutions.removeFirst();
            send(r.post() ? new PostPending(r.pendingId()) : new VoidPending(r.pendingId()));
            return;
        }
        double x = random.nextDouble();
        if (x < 0.40) {
            transfer();
        } else if (x < 0.48) {
            UUID debit = payer();
            Sent reservation = send(new ReserveKarma(debit, other(debit), 1 + random.nextInt(40),
                    Instant.now().plus(Duration.ofMinutes(10))));
            // one in ten at once: it races its reservation (another partition)
            long after = random.nextInt(10) == 0 ? 0 : 500_000_000L + random.nextInt(2_500) * 1_000_000L;
            resolutions.addLast(new Resolution(reservation.id(), random.nextInt(10) < 6, System.nanoTime() + after));
        } else if (x < 0.53) {
            List<TransferBatch.Leg> legs = new ArrayList<>();
            for (int i = 0, n = 2 + random.nextInt(2); i < n; i++) {
                UUID debit = payer();
                legs.add(new TransferBatch.Leg(debit, other(debit), 1 + random.nextInt(20)));
            }
            send(new TransferBatch(legs));
        } else if (x < 0.63) {
            claimCommand();
        } else if (x < 0.78) {
            jobCommand();
        } else if (x < 0.83 && !history.isEmpty()) {
            Sent again = history.get(random.nextInt(history.size()));
            duplicates.incrementAndGet();
            producer.send(new ProducerRecord<>(again.topic(), again.key(), again.bytes()));
        } else if (x < 0.84) {
            sendMalformed();
        } else {
            transfer();
        }
    }

    private void transfer() {
        UUID debit = payer();
        send(new TransferKarma(debit, other(debit), 1 + random.nextInt(40)));
    }

    private void claimCommand() {
        OpenClaim open = claims.peekFirst();
        if (open == null || open.voters().size() >= 3) {
            if (open != null) {
                claims.removeFirst();
            }
            UUID claimant = rich.get(random.nextInt(rich.size()));
            OpenClaim claim = new OpenClaim(UUID.randomUUID(), claimant, random.nextInt(5) != 0, new HashSet<>());
            claims.addLast(claim);
            send(new SubmitClaim(claim.id(), claimant, "chaos claim", "statement " + claim.id(), Map.of(), 5));
            return;
        }
        UUID voter = rich.get(random.nextInt(rich.size()));
        while (voter.equals(open.claimant()) || open.voters().contains(voter)) {
            voter = rich.get(random.nextInt(rich.size()));
        }
        open.voters().add(voter);
        send(open.verify() ? new VerifyClaim(open.id(), voter) : new DisputeClaim(open.id(), voter));
    }

    private void jobCommand() {
        JobLeased lease = leases.poll();
        if (lease != null) {
            send(new CompleteJob(lease.jobId(), lease.executorId(), lease.fencingToken(),
                    JsonNodeFactory.instance.objectNode().put("ok", true)));
            return;
        }
        Long oldest = unleased.peekFirst();
        if (oldest != null && System.nanoTime() - oldest > 1_000_000_000L) {
            unleased.removeFirst();
            send(new RequestLease(executors.get(random.nextInt(executors.size()))));
            return;
        }
        unleased.addLast(System.nanoTime());
        Long price = random.nextBoolean() ? (long) (1 + random.nextInt(20)) : null;
        SubmitJob job = new SubmitJob(UUID.randomUUID(), rich.get(random.nextInt(rich.size())),
                JsonNodeFactory.instance.objectNode().put("task", random.nextInt()), 0, 3, Duration.ofMinutes(5), price);
        send(job);
    }

    /** Bytes no reader can take for a command: garbage, a leading NUL, cut-off JSON, JSON of the wrong shape. */
    private void sendMalformed() {
        byte[] bytes;
        switch (random.nextInt(4)) {
            case 0 -> {
                bytes = new byte[1 + random.nextInt(200)];
                for (int i = 0; i < bytes.length; i++) {
                    bytes[i] = (byte) random.nextInt(256);
                }
            }
            case 1 -> bytes = ("\u0000{\"id\":\"" + UUID.randomUUID() + "\"}").getBytes(StandardCharsets.UTF_8);
            case 2 -> {
                byte[] valid = CODEC.encode(Envelope.of(UUID.randomUUID(), new TransferKarma(rich.get(0), rich.get(1), 1), ACTOR,
                        Instant.now()));
                bytes = java.util.Arrays.copyOf(valid, valid.length / 2);
            }
            default -> bytes = ("[\"not a command\"," + random.nextInt() + "]").getBytes(StandardCharsets.UTF_8);
        }
        String topic = List.of(topics.karmaCommands(), topics.claimCommands(), topics.jobCommands()).get(random.nextInt(3));
        malformed.add(sha256(bytes));
        producer.send(new ProducerRecord<>(topic, UUID.randomUUID().toString(), bytes));
    }

    private Sent send(Command command) {
        UUID id = UUID.randomUUID();
        Instant now = Instant.now();
        Sent s = new Sent(id, command, topics.commandsFor(command), command.partitionKey(),
                CODEC.encode(Envelope.of(id, command, ACTOR, now)), now.getEpochSecond() * 1_000_000 + now.getNano() / 1000);
        sent.put(id, s);
        history.add(s);
        publish(s);
        return s;
    }

    private void publish(Sent s) {
        try {
            producer.send(new ProducerRecord<>(s.topic(), s.key(), s.bytes()), (meta, error) -> {
                if (error == null) {
                    acked.add(s.id());
                } else {
                    sendFailures.incrementAndGet();
                    retries.add(s);
                }
            });
        } catch (RuntimeException e) { // buffer full or metadata unavailable past max.block.ms: sent again later
            sendFailures.incrementAndGet();
            retries.add(s);
        }
    }

    private void resendFailed() {
        for (Sent s; (s = retries.poll()) != null; ) {
            if (!acked.contains(s.id())) {
                publish(s);
            }
        }
    }

    /** Debited account: hot accounts one time in ten, poor ones (overdrafts) one in seven, else any rich one. */
    private UUID payer() {
        int r = random.nextInt(70);
        if (r < 7) {
            return rich.get(random.nextInt(5));
        }
        if (r < 17) {
            return poor.get(random.nextInt(poor.size()));
        }
        return rich.get(random.nextInt(rich.size()));
    }

    /** Credited account: any agent the load owns except {@code not} and the HTTP agents (debited over HTTP only). */
    private UUID other(UUID not) {
        while (true) {
            int r = random.nextInt(rich.size() + poor.size() + executors.size());
            UUID id = r < rich.size() ? rich.get(r)
                    : r < rich.size() + poor.size() ? poor.get(r - rich.size()) : executors.get(r - rich.size() - poor.size());
            if (!id.equals(not)) {
                return id;
            }
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    void close() {
        producer.close(Duration.ofSeconds(10));
    }

    private record Resolution(UUID pendingId, boolean post, long dueNanos) {
    }

    private record OpenClaim(UUID id, UUID claimant, boolean verify, Set<UUID> voters) {
    }
}
