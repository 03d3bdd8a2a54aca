package org.agentplatform.ingest.web;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

import org.agentplatform.ingest.web.BodySizeLimit.BodyTooLargeException;
import org.agentplatform.ingest.web.FieldProblems.FieldError;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.ConstraintViolationException;
import jakarta.validation.Path;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.InputCoercionException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * Every error is an RFC 9457 problem ({@code application/problem+json}); Spring's handler covers the
 * standard cases (415, 405, 404, ...). Request bodies get a 400 whose {@code errors} array names each
 * bad field, whether the body failed to parse or failed validation.
 */
@RestControllerAdvice
class ProblemHandling extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ProblemHandling.class);

    /** The connection pool gives up after 5 s; a retry sooner than that finds it in the same state. */
    private static final long DATABASE_RETRY_AFTER_SECONDS = 5;

    private static final Map<Class<?>, String> EXPECTED = Map.of(
            UUID.class, "must be a UUID",
            Long.class, "must be an integer",
            long.class, "must be an integer",
            String.class, "must be a string");

    @Override
    protected @Nullable ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException e,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        // only bean validation rejects fields here, and it gives each violation its (interpolated) message
        List<FieldError> errors = e.getBindingResult().getFieldErrors().stream()
                .map(error -> new FieldError(error.getField(),
                        Objects.requireNonNull(error.getDefaultMessage(), "message")))
                .toList();
        return invalid(e, errors, headers, request);
    }

    @Override
    protected @Nullable ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException e,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        BodyTooLargeException tooLarge = find(e, BodyTooLargeException.class);
        if (tooLarge != null) {
            ProblemDetail problem = BodySizeLimit.tooLarge(tooLarge.maxBytes);
            return handleExceptionInternal(e, problem, headers, HttpStatus.CONTENT_TOO_LARGE, request);
        }
        JacksonException json = find(e, JacksonException.class);
        if (json == null) {
            // no parser involved: the body is missing
            ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, "A JSON request body is required");
            return handleExceptionInternal(e, problem, headers, HttpStatus.BAD_REQUEST, request);
        }
        String field = fieldOf(json);
        if (field == null || (json instanceof StreamReadException && !(json instanceof InputCoercionException))) {
            // broken JSON, or JSON that is not an object: no field to blame, only a place in the text
            ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST,
                    malformed(json) + location(json));
            problem.setTitle("Malformed JSON");
            return handleExceptionInternal(e, problem, headers, HttpStatus.BAD_REQUEST, request);
        }
        return invalid(e, List.of(new FieldError(field, describe(json))), headers, request);
    }

    /**
     * A constrained request parameter ({@code ?recent=101}): method validation reports it as a constraint
     * violation, which is the client's fault like a bad body field, named by the parameter.
     */
    @ExceptionHandler
    ResponseEntity<ProblemDetail> constraintViolated(ConstraintViolationException e) {
        List<FieldError> errors = e.getConstraintViolations().stream()
                .map(v -> new FieldError(parameterOf(v), v.getMessage()))
                .toList();
        return ResponseEntity.badRequest().contentType(MediaType.APPLICATION_PROBLEM_JSON).body(FieldProblems.invalid(errors));
    }

    /** {@code account.recent} (method, then parameter) names the parameter {@code recent}. */
    private static String parameterOf(ConstraintViolation<?> violation) {
        String field = "";
        for (Path.Node node : violation.getPropertyPath()) {
            field = node.getName() == null ? field : node.getName();
        }
        return field;
    }

    /** Anything else is a bug on this side: still a problem document, with the cause kept in the log. */
    @ExceptionHandler
    ResponseEntity<ProblemDetail> unexpected(Exception e) {
        log.error("Unexpected error", e);
        return ResponseEntity.internalServerError()
                .body(ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR, "Unexpected error"));
    }

    /** The database is down or overloaded: reads are unavailable for now, not broken. */
    @ExceptionHandler({ DataAccessResourceFailureException.class, TransientDataAccessException.class })
    ResponseEntity<ProblemDetail> databaseUnavailable(RuntimeException e) {
        log.warn("Database unavailable: {}", e.toString());
        return Unavailable.answer(Unavailable.problem("Database unavailable", "The database is not reachable at the moment"),
                DATABASE_RETRY_AFTER_SECONDS);
    }

    private @Nullable ResponseEntity<Object> invalid(Exception e, List<FieldError> errors, HttpHeaders headers,
                                                     WebRequest request) {
        return handleExceptionInternal(e, FieldProblems.invalid(errors), headers, HttpStatus.BAD_REQUEST, request);
    }

    /** Jackson's own words where they help; its words about our classes and its source redaction stay out. */
    private static String malformed(JacksonException e) {
        if (e instanceof MismatchedInputException) {
            String message = String.valueOf(e.getOriginalMessage());
            return message.startsWith("Trailing token") ? "Unexpected content after the JSON object"
                    : "The request body must be a JSON object";
        }
        String message = String.valueOf(e.getOriginalMessage());
        int source = message.indexOf(" (start marker at");
        return "Malformed JSON: " + (source < 0 ? message : message.substring(0, source));
    }

    private static String describe(JacksonException e) {
        if (e instanceof UnrecognizedPropertyException) {
            return "is not a known field";
        }
        if (e instanceof InputCoercionException coercion) {
            Class<?> target = coercion.getTargetType();
            return "is out of range" + (target == null ? "" : " for " + target.getSimpleName());
        }
        if (e instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
            String expected = EXPECTED.get(mismatch.getTargetType());
            if (expected != null) {
                return expected;
            }
            return "must be of type " + mismatch.getTargetType().getSimpleName();
        }
        return e.getOriginalMessage();
    }

    /** The JSON path of the offending value, e.g. {@code amount} or {@code items[2].id}. */
    private static @Nullable String fieldOf(JacksonException e) {
        if (e.getPath().isEmpty()) {
            return null;
        }
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference reference : e.getPath()) {
            if (reference.getPropertyName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(reference.getPropertyName());
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.isEmpty() ? null : path.toString();
    }

    private static String location(JacksonException e) {
        return e.getLocation() == null ? ""
                : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }

    private static <T extends Throwable> @Nullable T find(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }
}
