package org.agentplatform.ingest.console;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The audit chain's status, from the audit worker's own verification ({@code GET /audit/verify}: 200 intact, 409 with
 * the first broken link or the rows missing from the log). The worker owns the chain and its rules; the console only
 * shows its verdict, and "unreachable" when it cannot get one.
 */
@Component
class AuditStatus {

    private static final Logger log = LoggerFactory.getLogger(AuditStatus.class);

    enum State { OK, BROKEN, UNREACHABLE, NOT_CONFIGURED }

    /**
     * @param brokenSeq   the first broken link's sequence number, when the chain is broken
     * @param rowProblems audited rows whose latest state is not in the log ({@code table key: problem})
     */
    record Verdict(State state, Instant checkedAt, long entries, @Nullable Long brokenSeq, @Nullable String brokenChangeId,
                   @Nullable String brokenReason, List<String> rowProblems, @Nullable String detail) {
    }

    private final ConsoleProperties properties;
    private final JsonMapper json;
    private final Clock clock;
    private final HttpClient http;
    private volatile @Nullable Verdict last;

    AuditStatus(ConsoleProperties properties, JsonMapper json, Clock clock) {
        this.properties = properties;
        this.json = json;
        this.clock = clock;
        this.http = HttpClient.newBuilder().connectTimeout(properties.auditTimeout()).build();
    }

    /** A verification no older than {@code audit-max-age}: the overview's, so that refreshing it does not walk the chain. */
    Verdict recent() {
        Verdict known = last;
        if (known != null && !known.checkedAt().plus(properties.auditMaxAge()).isBefore(clock.instant())) {
            return known;
        }
        return verify();
    }

    /** Asks the audit worker now. */
    Verdict verify() {
        Instant now = clock.instant();
        URI base = properties.auditUrl();
        if (base == null || base.toString().isBlank()) {
            return remember(new Verdict(State.NOT_CONFIGURED, now, 0, null, null, null, List.of(),
                    "ingest.console.audit-url is not set"));
        }
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve("/audit/verify"))
                    .timeout(properties.auditTimeout()).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200 && response.statusCode() != 409) {
                return remember(unreachable(now, "HTTP " + response.statusCode()));
            }
            JsonNode report = json.readTree(response.body());
            List<String> problems = new ArrayList<>();
            report.path("rowProblems").forEach(p -> problems.add(p.path("table").asString() + " "
                    + p.path("primaryKey").asString() + ": " + p.path("problem").asString()));
            JsonNode broken = report.path("firstBrokenLink");
            boolean intact = report.path("chainIntact").asBoolean(false);
            return remember(new Verdict(response.statusCode() == 200 ? State.OK : State.BROKEN, now,
                    report.path("entries").asLong(), intact || broken.isMissingNode() || broken.isNull() ? null
                    : broken.path("seq").asLong(), intact ? null : broken.path("changeId").asString(null),
                    intact ? null : broken.path("reason").asString(null), problems, null));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return unreachable(now, "interrupted");
        } catch (Exception e) {
            log.warn("Audit worker unreachable at {}: {}", base, e.toString());
            return remember(unreachable(now, e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage())));
        }
    }

    private static Verdict unreachable(Instant now, String detail) {
        return new Verdict(State.UNREACHABLE, now, 0, null, null, null, List.of(), detail);
    }

    private Verdict remember(Verdict verdict) {
        last = verdict;
        return verdict;
    }
}
