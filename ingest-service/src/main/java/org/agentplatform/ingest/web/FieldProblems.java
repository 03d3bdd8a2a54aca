package org.agentplatform.ingest.web;

import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

/**
 * The problem documents that name fields: a 400 whose {@code errors} lists each bad field (bean validation, a
 * body that did not parse, a command that could not be stored) and a 403 naming the field that is not the
 * caller's to set. One shape, whoever finds the fault.
 */
public final class FieldProblems {

    private FieldProblems() {
    }

    /** A field and what is wrong with it. */
    public record FieldError(String field, String detail) {
    }

    public static ProblemDetail invalid(List<FieldError> errors) {
        List<FieldError> sorted = errors.stream()
                .sorted(Comparator.comparing(FieldError::field).thenComparing(FieldError::detail))
                .toList();
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, sorted.stream()
                .map(error -> error.field() + ": " + error.detail())
                .collect(Collectors.joining("; ")));
        problem.setTitle("Invalid request content");
        problem.setProperty("errors", sorted);
        return problem;
    }

    /** A 400 for one field of a query (the body is validated by bean validation instead). */
    public static ResponseEntity<ProblemDetail> badRequest(String field, String detail) {
        return ResponseEntity.badRequest().body(invalid(List.of(new FieldError(field, detail))));
    }

    public static ProblemDetail forbidden(String field, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.FORBIDDEN, field + ": " + detail);
        problem.setTitle("Forbidden");
        problem.setProperty("field", field);
        return problem;
    }
}
