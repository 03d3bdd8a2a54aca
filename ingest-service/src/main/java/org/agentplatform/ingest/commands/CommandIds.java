package org.agentplatform.ingest.commands;

import java.util.UUID;

import org.agentplatform.schema.messaging.DerivedIds;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * Command ids are random, always: an id derived from the caller and its {@code Idempotency-Key} could be
 * computed by anyone (and reading another's outcome or racing its command would only need a guess), and a key
 * reused after its row was purged would silently name the old command. A retry under the same key reuses the
 * id {@link Idempotency} stored with the key.
 */
public final class CommandIds {

    public static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private static final int MAX_KEY_LENGTH = 255;

    private CommandIds() {
    }

    /** The id of a new command (random); an unusable {@code Idempotency-Key} is refused first. */
    public static UUID next(@Nullable String idempotencyKey) {
        if (idempotencyKey != null && (idempotencyKey.isEmpty() || idempotencyKey.length() > MAX_KEY_LENGTH
                || !idempotencyKey.chars().allMatch(c -> c > 0x20 && c < 0x7f))) {
            throw new ErrorResponseException(HttpStatus.BAD_REQUEST, ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST,
                    IDEMPOTENCY_KEY + " must be 1 to " + MAX_KEY_LENGTH + " visible ASCII characters"), null);
        }
        return UUID.randomUUID();
    }

    /**
     * An id that follows from a (random) command id, for entities the command creates without the producer naming
     * them: a retry of the command then names the same entity.
     */
    public static UUID derived(UUID commandId, String purpose) {
        return DerivedIds.within(commandId, purpose);
    }
}
