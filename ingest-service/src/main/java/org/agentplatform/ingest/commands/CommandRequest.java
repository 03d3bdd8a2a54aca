package org.agentplatform.ingest.commands;

import java.util.UUID;
import java.util.function.BiFunction;
import java.util.function.Function;

import org.agentplatform.ingest.actor.Actor;
import org.agentplatform.schema.messaging.Command;
import org.jspecify.annotations.Nullable;
import org.springframework.http.ResponseEntity;

import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.http.HttpServletRequest;

/**
 * What a command endpoint takes besides its path and body: the caller, its {@code Idempotency-Key} and the
 * HTTP request, resolved by {@link CommandRequestResolver}. {@link #accept} is the whole of a command endpoint:
 * under the key ({@link Idempotency}) the command built for the command id is admitted and published
 * ({@link CommandPublisher}), and the answer is a 202 pointing at its outcome ({@link Accepted}).
 *
 * <p>Checks an endpoint makes before {@code accept} (an agent-only command) come before the key is looked at,
 * so a refused request neither validates nor holds its key.
 */
@Hidden
public final class CommandRequest {

    private final Actor actor;
    private final @Nullable String idempotencyKey;
    private final HttpServletRequest http;
    private final Idempotency idempotency;
    private final CommandPublisher publisher;

    CommandRequest(Actor actor, @Nullable String idempotencyKey, HttpServletRequest http, Idempotency idempotency,
                   CommandPublisher publisher) {
        this.actor = actor;
        this.idempotencyKey = idempotencyKey;
        this.http = http;
        this.idempotency = idempotency;
        this.publisher = publisher;
    }

    public Actor actor() {
        return actor;
    }

    /** A command without a request body: see {@link #accept(Object, Function)}. */
    public ResponseEntity<?> accept(Function<UUID, ? extends Command> command) {
        return accept(null, command);
    }

    /**
     * Publishes the command built for this request's command id (new, or the one stored with the key on a retry)
     * and answers 202 with the id.
     *
     * @param body the parsed request body, fingerprinted with the key; {@code null} if there is none
     */
    public ResponseEntity<?> accept(@Nullable Object body, Function<UUID, ? extends Command> command) {
        return accept(body, command, (commandId, published) -> new Accepted.CommandAccepted(commandId));
    }

    /** As {@link #accept(Object, Function)}, answering 202 with {@code answer} (the ids of what the command creates). */
    public <C extends Command> ResponseEntity<?> accept(@Nullable Object body, Function<UUID, C> command,
                                                        BiFunction<UUID, C, ?> answer) {
        return submit(body, commandId -> {
            C built = command.apply(commandId);
            publish(commandId, built);
            return Accepted.response(commandId, answer.apply(commandId, built));
        });
    }

    /**
     * For an endpoint whose answer is more than a 202 (a registration waits for its outcome): {@code action}
     * publishes with {@link #publish} and answers, under the key like {@link #accept}.
     */
    public ResponseEntity<?> submit(@Nullable Object body, Function<UUID, ResponseEntity<?>> action) {
        return idempotency.submit(actor, idempotencyKey, http, body, action);
    }

    /** Admits and publishes {@code command} as the caller's; returns once the broker acknowledged it. */
    public void publish(UUID commandId, Command command) {
        publisher.publish(commandId, command, actor);
    }
}
