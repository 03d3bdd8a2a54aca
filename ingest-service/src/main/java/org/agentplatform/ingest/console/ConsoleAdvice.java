package org.agentplatform.ingest.console;

import java.util.Map;

import org.agentplatform.ingest.commands.PublishFailedException;
import org.agentplatform.ingest.deadletters.DeadLetterLog;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.ui.Model;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.ModelAttribute;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import tools.jackson.databind.json.JsonMapper;

/**
 * For the console's pages only (the API keeps its problem documents): what every page needs (the CSRF token for
 * htmx's requests), and failures as a page that says what went wrong, in words, never a stack trace.
 */
@ControllerAdvice(basePackageClasses = ConsoleAdvice.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class ConsoleAdvice {

    private static final Logger log = LoggerFactory.getLogger(ConsoleAdvice.class);

    private final JsonMapper json;

    ConsoleAdvice(JsonMapper json) {
        this.json = json;
    }

    /** For {@code <body hx-headers=…>}: htmx sends the session's CSRF token with every request it makes. */
    @ModelAttribute("csrfHeaders")
    String csrfHeaders(HttpServletRequest request) {
        CsrfToken token = (CsrfToken) request.getAttribute(CsrfToken.class.getName());
        return token == null ? "{}" : json.writeValueAsString(Map.of(token.getHeaderName(), token.getToken()));
    }

    @ExceptionHandler
    String invalid(InvalidInput e, Model model, HttpServletResponse response) {
        return failure(model, response, HttpStatus.BAD_REQUEST, "Invalid input", e.getMessage());
    }

    @ExceptionHandler
    String missing(MissingServletRequestParameterException e, Model model, HttpServletResponse response) {
        return failure(model, response, HttpStatus.BAD_REQUEST, "Invalid input", e.getParameterName() + ": is required");
    }

    /** What a feature refuses with a status of its own (e.g. a forbidden command). */
    @ExceptionHandler
    String refused(ErrorResponseException e, Model model, HttpServletResponse response) {
        HttpStatus status = HttpStatus.resolve(e.getStatusCode().value());
        String detail = e.getBody().getDetail();
        return failure(model, response, status == null ? HttpStatus.BAD_REQUEST : status,
                status == null ? "Refused" : status.getReasonPhrase(), detail == null ? "Refused" : detail);
    }

    /** A dependency is away (Kafka, PostgreSQL): the page says so; the request may be retried. */
    @ExceptionHandler({ KafkaException.class, DeadLetterLog.Unavailable.class, PublishFailedException.class,
            DataAccessResourceFailureException.class, TransientDataAccessException.class })
    String unavailable(RuntimeException e, Model model, HttpServletResponse response) {
        log.warn("Console request failed, a dependency is unavailable: {}", e.toString());
        boolean publish = e instanceof PublishFailedException;
        return failure(model, response, HttpStatus.SERVICE_UNAVAILABLE, "Unavailable", publish
                ? "The message broker did not confirm the command in time, so it may or may not be applied;"
                        + " check before retrying."
                : e instanceof DataAccessException ? "The database is not reachable at the moment; retry shortly."
                : "Kafka is not reachable at the moment; retry shortly.");
    }

    @ExceptionHandler
    String unexpected(Exception e, Model model, HttpServletResponse response) {
        log.error("Console request failed", e);
        return failure(model, response, HttpStatus.INTERNAL_SERVER_ERROR, "Something went wrong",
                "The request failed (" + e.getClass().getSimpleName() + "); the service log has the details.");
    }

    private static String failure(Model model, HttpServletResponse response, HttpStatus status, String title, String detail) {
        response.setStatus(status.value());
        model.addAttribute("status", status.value());
        model.addAttribute("title", title);
        model.addAttribute("detail", detail);
        return "console/error";
    }
}
