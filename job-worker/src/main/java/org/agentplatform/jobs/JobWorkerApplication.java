package org.agentplatform.jobs;

import org.agentplatform.runtime.CommandRuntimeConfiguration;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.annotation.Import;

/**
 * Compute job lifecycle worker: applies job commands from {@code commands.jobs} (fenced leases, heartbeats,
 * completion, failure with backoff, cancel), rescues expired leases, and drives the karma escrow of priced
 * jobs through the ledger. Any number of instances may run side by side.
 */
@SpringBootApplication
@Import(CommandRuntimeConfiguration.class)
public class JobWorkerApplication {

    /** Each app reads its own {@code <name>.yml}, so several can share one JVM in the local stack. */
    public static SpringApplicationBuilder application() {
        return new SpringApplicationBuilder(JobWorkerApplication.class).properties("spring.config.name=job-worker");
    }

    public static void main(String[] args) {
        application().run(args);
    }
}
