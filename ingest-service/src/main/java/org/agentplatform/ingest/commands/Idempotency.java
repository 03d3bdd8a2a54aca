package org.agentplatform.ingest.commands;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.UUID;
import java.util.function.Function;

import org.agentplatform.ingest.actor.Actor;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.web.ErrorResponseException;

import jakarta.servlet.http.HttpServletRequest;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code Idempotency-Key}, scoped to the caller. The key's row (command id and request fingerprint) is
 * written before the command is published and completed with the answer once the broker acknowledged it:
 * <ul>
 * <li>a retry of a completed request gets the original answer, marked {@code Idempotent-Replayed: true},
 *     and publishes nothing;</li>
 * <li>a retry after a failed (503) or still running attempt publishes the same command id again, which the
 *     workers apply once;</li>
 * <li>the same key with another method, path or body is a 409;</li>
 * <li>a request refused before publishing (400, 403) releases its key.</li>
 * </ul>
 * The command id is random and stored with the key: it cannot be derived from the key by anyone else.
 * Without the header every request is a new command.
 */
@Component
class Idempotency {

    static final String REPLAYED = "Idempotent-Replayed";

    private final JdbcClient jdbc;
    private final JsonMapper json;
    private final Clock clock;

    Idempotency(JdbcClient jdbc, JsonMapper json, Clock clock) {
        this.jdbc = jdbc;
        this.json = json;
        this.clock = clock;
    }

    /**
     * Runs {@code action} with the command id of this request, unless the request was answered before.
     *
     * @param body the parsed request body (its canonical JSON is fingerprinted), {@code null} if none
     */
    ResponseEntity<?> submit(Actor actor, @Nullable String key, HttpServletRequest request, @Nullable Object body,
                                    Function<UUID, ResponseEntity<?>> action) {
        UUID commandId = CommandIds.next(key);
        if (key == null) {
            ResponseEntity<?> response = action.apply(commandId);
            // after the broker's ack and before the client hears of the command: GET /commands/{id} shows it pending
            jdbc.sql("insert into command_issuers (command_id, issuer, issued_at) values (?, ?, ?) on conflict do nothing")
                    .params(commandId, actor.name(), clock.instant().atOffset(ZoneOffset.UTC))
                    .update();
            return response;
        }
        String fingerprint = fingerprint(request.getMethod(), request.getRequestURI(), body);
        int inserted = jdbc.sql("""
                insert into idempotency_keys (caller, idempotency_key, command_id, fingerprint, created_at)
                values (?, ?, ?, ?, ?) on conflict do nothing""")
                .params(actor.name(), key, commandId, fingerprint, clock.instant().atOffset(ZoneOffset.UTC))
                .update();
        if (inserted == 0) {
            Stored stored = jdbc.sql("""
                    select command_id, fingerprint, response_status, response_location, response_body
                    from idempotency_keys where caller = ? and idempotency_key = ?""")
                    .params(actor.name(), key)
                    .query((rs, n) -> new Stored(rs.getObject(1, UUID.class), rs.getString(2),
                            (Integer) rs.getObject(3), rs.getString(4), rs.getString(5)))
                    .single();
            if (!stored.fingerprint().equals(fingerprint)) {
                throw conflict(key, stored.commandId());
            }
            if (stored.status() != null) {
                return replay(stored.status(), stored);
            }
            commandId = stored.commandId();
        }
        ResponseEntity<?> response;
        try {
            response = action.apply(commandId);
        } catch (CommandRefusedException refused) {
            // nothing was published under this key: release it, so that the corrected request may use it
            jdbc.sql("delete from idempotency_keys where caller = ? and idempotency_key = ? and response_status is null")
                    .params(actor.name(), key).update();
            throw refused;
        }
        Object replayBody = response.getBody() instanceof Replayable replayable ? replayable.forReplay() : response.getBody();
        URI location = response.getHeaders().getLocation();
        // one statement, one commit: the answer for retries and the issuer who may read the outcome
        jdbc.sql("""
                with completed as (
                    update idempotency_keys
                    set response_status = ?, response_location = ?, response_body = ?, completed_at = ?
                    where caller = ? and idempotency_key = ? and response_status is null
                    returning command_id, caller, completed_at)
                insert into command_issuers (command_id, issuer, issued_at)
                select command_id, caller, completed_at from completed
                on conflict do nothing""")
                .param(response.getStatusCode().value())
                .param(location == null ? null : location.toString())
                .param(replayBody == null ? null : json.writeValueAsString(replayBody))
                .params(clock.instant().atOffset(ZoneOffset.UTC), actor.name(), key)
                .update();
        return response;
    }

    /** SHA-256 over method, path and the canonical JSON of the parsed body (field order and spacing do not count). */
    String fingerprint(String method, String path, @Nullable Object body) {
        String canonical = body == null ? "" : json.writeValueAsString(json.valueToTree(body));
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(sha256.digest((method + "\n" + path + "\n" + canonical)
                    .getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static ResponseEntity<?> replay(int status, Stored stored) {
        ResponseEntity.BodyBuilder builder = ResponseEntity.status(status).header(REPLAYED, "true");
        if (stored.location() != null) {
            builder.location(URI.create(stored.location()));
        }
        return stored.body() == null ? builder.build() : builder.contentType(MediaType.APPLICATION_JSON).body(stored.body());
    }

    private static ErrorResponseException conflict(String key, UUID commandId) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, CommandIds.IDEMPOTENCY_KEY + " '"
                + key + "' was already used for a different request; use a new key for a new command");
        problem.setTitle("Idempotency key reused");
        problem.setProperty("commandId", commandId);
        return new ErrorResponseException(HttpStatus.CONFLICT, problem, null);
    }

    private record Stored(UUID commandId, String fingerprint, @Nullable Integer status, @Nullable String location,
                          @Nullable String body) {
    }
}
