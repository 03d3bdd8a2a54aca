package org.agentplatform.audit.log;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The verify command: with {@code --platform.audit.verify.on-start=true} (usually together with
 * {@code --platform.audit.enabled=false --platform.audit.log.enabled=false --spring.main.web-application-type=none})
 * the worker verifies the log, prints the report and exits: 0 when intact and complete, 1 otherwise.
 */
class AuditVerifyRunner implements ApplicationRunner {

    private static final Logger log = LoggerFactory.getLogger(AuditVerifyRunner.class);

    private final AuditLogVerifier verifier;
    private final ConfigurableApplicationContext context;

    AuditVerifyRunner(AuditLogVerifier verifier, ConfigurableApplicationContext context) {
        this.verifier = verifier;
        this.context = context;
    }

    @Override
    public void run(ApplicationArguments args) {
        AuditLogVerifier.Report report = verifier.verify();
        System.out.println(report.describe());
        log.info("Audit log verification: {}", report.ok() ? "OK" : "FAILED");
        int code = report.ok() ? 0 : 1;
        System.exit(SpringApplication.exit(context, () -> code));
    }
}
