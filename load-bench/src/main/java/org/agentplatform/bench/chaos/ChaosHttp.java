package org.agentplatform.bench.chaos;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.agentplatform.bench.IngestClient;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP share of the load, as a careful client sends it: each transfer under an {@code Idempotency-Key} of its
 * own, retried with the same key and body after a connection error, a timeout or a 5xx (the service may be dead
 * mid-request) until it is answered; a few are sent once more after their answer, which must replay the same
 * command id. What it keeps: for each key, every command id it was given.
 */
final class ChaosHttp {

    private static final Pattern COMMAND_ID = Pattern.compile("\"commandId\"\\s*:\\s*\"([0-9a-fA-F-]{36})\"");

    /** A transfer accepted over HTTP: the key, the debited agent, and every command id an answer named. */
    record Accepted(String key, UUID debit, long amount, List<UUID> commandIds, long acceptedMicros) {
    }

    /** A transfer never answered within the client's patience: it may have been applied, at most once. */
    record Unanswered(String key, UUID debit, long amount) {
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final String baseUrl;
    private final List<UUID> agents;
    private final List<UUID> credits;
    private final Map<UUID, String> keys = new ConcurrentHashMap<>();
    final ConcurrentLinkedQueue<Accepted> accepted = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Unanswered> unansweredRequests = new ConcurrentLinkedQueue<>();
    /** When a 202 was received (epoch millis), for the ingest's recovery time. */
    final ConcurrentLinkedQueue<Long> answers = new ConcurrentLinkedQueue<>();
    final AtomicLong retried = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    final AtomicLong replayMismatches = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();
    private volatile java.util.function.LongSupplier until = () -> 0;
    private volatile long patience;

    ChaosHttp(String baseUrl, List<UUID> agents, List<UUID> credits) {
        this.baseUrl = baseUrl;
        this.agents = List.copyOf(agents);
        this.credits = List.copyOf(credits);
    }

    void createKeys(String adminKey) throws IOException, InterruptedException {
        for (UUID agent : agents) {
            keys.put(agent, IngestClient.createKey(http, baseUrl, agent, adminKey));
        }
    }

    /** Starts {@code clients} client threads, each sending one transfer at a time every {@code pause}. */
    void start(int clients, Duration pause, long seed, java.util.function.LongSupplier untilNanos, Duration patience) {
        this.until = untilNanos;
        this.patience = patience.toNanos();
        for (int c = 0; c < clients; c++) {
            SplittableRandom random = new SplittableRandom(seed + c);
            Thread t = new Thread(() -> loop(random, pause), "chaos-http-" + c);
            t.setDaemon(true);
            t.start();
            threads.add(t);
        }
    }

    void join() throws InterruptedException {
        for (Thread t : threads) {
            t.join();
        }
    }

    private void loop(SplittableRandom random, Duration pause) {
        while (System.nanoTime() < until.getAsLong()) {
            UUID debit = agents.get(random.nextInt(agents.size()));
            long amount = 1 + random.nextInt(5);
            String body = "{\"debitAccountId\":\"" + debit + "\",\"creditAccountId\":\""
                    + credits.get(random.nextInt(credits.size())) + "\",\"amount\":" + amount + "}";
            String key = UUID.randomUUID().toString();
            List<UUID> ids = new ArrayList<>();
            UUID id = sendUntilAnswered(debit, amount, key, body);
            if (id != null) {
                ids.add(id);
                if (random.nextInt(20) == 0) {
                    UUID again = sendUntilAnswered(debit, amount, key, body);
                    if (again != null) {
                        ids.add(again);
                        if (!again.equals(id)) {
                            replayMismatches.incrementAndGet();
                        }
                    }
                }
                accepted.add(new Accepted(key, debit, amount, ids, System.currentTimeMillis() * 1000));
            }
            try {
                Thread.sleep(pause.toMillis()); // the client's own pace, not a wait for the system
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * The command id of the 202, or null if the request was refused (4xx) or never answered before the client's
     * patience ran out (counted: such a command may or may not have been applied, and the checks say so).
     */
    private @Nullable UUID sendUntilAnswered(UUID debit, long amount, String key, String body) {
        long deadline = until.getAsLong() + patience;
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/karma/transfers"))
                .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + keys.get(debit))
                .header("Idempotency-Key", key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        while (true) {
            if (System.nanoTime() > deadline) {
                unansweredRequests.add(new Unanswered(key, debit, amount));
                return null;
            }
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 202) {
                    Matcher m = COMMAND_ID.matcher(response.body());
                    if (m.find()) {
                        answers.add(System.currentTimeMillis());
                        return UUID.fromString(m.group(1));
                    }
                } else if (response.statusCode() < 500 && response.statusCode() != 429 && response.statusCode() != 408) {
                    refused.incrementAndGet();
                    System.err.println("HTTP " + response.statusCode() + " for key " + key + ": " + response.body());
                    return null;
                }
            } catch (IOException e) {
                // the service died mid-request or is starting: the same key again
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
            retried.incrementAndGet();
            try {
                Thread.sleep(250); // back-off before the retry
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }
}
