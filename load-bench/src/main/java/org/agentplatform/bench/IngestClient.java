package org.agentplatform.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.agentplatform.schema.ledger.TransferKarma;

/**
 * The HTTP share of the load: transfers posted to the ingest service by agents with their own API keys (an agent
 * may only debit itself). Sends are asynchronous so the generator stays open-loop; a cap on requests in flight
 * keeps a stalled service from exhausting the client, and what the cap refuses is counted as shed.
 */
public final class IngestClient {

    private static final Pattern COMMAND_ID = Pattern.compile("\"commandId\"\\s*:\\s*\"([0-9a-fA-F-]{36})\"");
    private static final Pattern API_KEY = Pattern.compile("\"apiKey\"\\s*:\\s*\"([^\"]+)\"");
    private static final int MAX_IN_FLIGHT = 512;

    /** A command accepted over HTTP: its id (assigned by the service) and when the generator scheduled it. */
    record Accepted(UUID commandId, long scheduledMicros) {
    }

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String baseUrl;
    private final Counters counters;
    private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
    final Queue<Accepted> accepted = new ConcurrentLinkedQueue<>();

    IngestClient(String baseUrl, Counters counters) {
        this.baseUrl = baseUrl;
        this.counters = counters;
    }

    /** Synchronous, for set-up: a new API key for an agent, created by the admin. */
    String createKey(UUID agentId, String adminKey) throws IOException, InterruptedException {
        return createKey(http, baseUrl, agentId, adminKey);
    }

    /** As {@link #createKey(UUID, String)}, with the caller's client. */
    public static String createKey(HttpClient http, String baseUrl, UUID agentId, String adminKey)
            throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(baseUrl + "/agents/" + agentId + "/keys"))
                .header("Authorization", "Bearer " + adminKey).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        Matcher m = API_KEY.matcher(response.body());
        if (response.statusCode() != 201 || !m.find()) {
            throw new IOException("Creating a key for " + agentId + ": " + response.statusCode() + " " + response.body());
        }
        return m.group(1);
    }

    void sendTransfer(TransferKarma t, String apiKey, long scheduledMicros) {
        if (!inFlight.tryAcquire()) {
            counters.httpShed.increment();
            return;
        }
        String body = "{\"debitAccountId\":\"" + t.debitAccountId() + "\",\"creditAccountId\":\"" + t.creditAccountId()
                + "\",\"amount\":" + t.amount() + "}";
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/karma/transfers"))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + apiKey)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        http.sendAsync(request, HttpResponse.BodyHandlers.ofString()).whenComplete((response, error) -> {
            inFlight.release();
            Matcher m = response == null ? null : COMMAND_ID.matcher(response.body());
            if (error == null && response.statusCode() == 202 && m != null && m.find()) {
                counters.httpAcked.increment();
                accepted.add(new Accepted(UUID.fromString(m.group(1)), scheduledMicros));
            } else {
                counters.httpFailed.increment();
                if (error == null) {
                    HttpErrors.record(response.statusCode(), response.body());
                } else {
                    HttpErrors.record(-1, error.toString());
                }
            }
        });
    }
}
