package org.agentplatform.audit.log;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /audit/verify}: 200 with the report when the log is intact and complete, 409 with it otherwise. */
@RestController
class AuditVerifyController {

    private final AuditLogVerifier verifier;

    AuditVerifyController(AuditLogVerifier verifier) {
        this.verifier = verifier;
    }

    @GetMapping("/audit/verify")
    ResponseEntity<AuditLogVerifier.Report> verify() {
        AuditLogVerifier.Report report = verifier.verify();
        return ResponseEntity.status(report.ok() ? HttpStatus.OK : HttpStatus.CONFLICT).body(report);
    }
}
