package org.agentplatform.ingest.commands;

import org.agentplatform.ingest.web.Unavailable;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * A command the broker did not take is a 503 the client can retry, never a 202. For the API's controllers only: the
 * console answers its own pages (its advice would otherwise lose to this one, both being first in order).
 */
@RestControllerAdvice(annotations = RestController.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class PublishFailures {

    private final PublishingProperties properties;

    PublishFailures(PublishingProperties properties) {
        this.properties = properties;
    }

    @ExceptionHandler
    ResponseEntity<ProblemDetail> publishFailed(PublishFailedException e) {
        ProblemDetail problem = Unavailable.problem("Message broker unavailable",
                "The message broker did not confirm the command in time, so it may or may not be applied. Retry "
                        + "with the same " + CommandIds.IDEMPOTENCY_KEY + " header so that it is applied at most once.");
        problem.setProperty("commandId", e.commandId());
        return Unavailable.answer(problem, properties.retryAfter().toSeconds());
    }
}
