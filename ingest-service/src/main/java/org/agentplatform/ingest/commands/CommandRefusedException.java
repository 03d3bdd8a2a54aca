package org.agentplatform.ingest.commands;

import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * A command refused before it was published (400 inadmissible, 403 not the caller's to send): nothing went to
 * the broker, so the idempotency key is released and a corrected request may reuse it.
 */
public class CommandRefusedException extends ErrorResponseException {

    CommandRefusedException(ProblemDetail problem) {
        super(HttpStatusCode.valueOf(problem.getStatus()), problem, null);
    }
}
