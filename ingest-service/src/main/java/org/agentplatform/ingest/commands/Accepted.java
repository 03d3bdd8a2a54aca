package org.agentplatform.ingest.commands;

import java.net.URI;
import java.util.UUID;

import org.springframework.http.ResponseEntity;

/** The answer to a published command: 202, pointing at where its outcome will show. */
public final class Accepted {

    private Accepted() {
    }

    public static <T> ResponseEntity<T> response(UUID commandId, T body) {
        return ResponseEntity.accepted().location(statusOf(commandId)).body(body);
    }

    static URI statusOf(UUID commandId) {
        return URI.create("/commands/" + commandId);
    }

    public record CommandAccepted(UUID commandId) {
    }
}
