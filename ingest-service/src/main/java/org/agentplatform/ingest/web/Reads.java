package org.agentplatform.ingest.web;

import java.util.Optional;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

/** The answer of a read: 200 with what was found, or a 404 problem saying what was not. */
public final class Reads {

    private Reads() {
    }

    public static ResponseEntity<?> found(Optional<?> found, String notFoundDetail) {
        return found.<ResponseEntity<?>>map(ResponseEntity::ok).orElseGet(() -> notFound(notFoundDetail));
    }

    public static ResponseEntity<?> notFound(String detail) {
        return ResponseEntity.of(ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, detail)).build();
    }
}
