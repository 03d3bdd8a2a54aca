package org.agentplatform.ingest.console;

import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;

import org.agentplatform.ingest.deadletters.DeadLetterLog;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/**
 * The overview: is the system keeping up? Applied commands per second (with a ten-minute sparkline), consumer lag
 * per group, the CDC slot's lag and retained WAL, the audit chain's status and the dead letters per topic. Each part
 * is read on its own, so that one unreachable dependency shows as such and the rest of the page still renders.
 */
@Controller
class OverviewPage {

    private static final Logger log = LoggerFactory.getLogger(OverviewPage.class);
    static final Duration BUCKET = Duration.ofSeconds(10);
    static final int BUCKETS = 60;

    private final ConsoleQueries queries;
    private final ConsumerLag lag;
    private final AuditStatus audit;
    private final DeadLetterLog deadLetters;
    private final Clock clock;

    OverviewPage(ConsoleQueries queries, ConsumerLag lag, AuditStatus audit, DeadLetterLog deadLetters, Clock clock) {
        this.queries = queries;
        this.lag = lag;
        this.audit = audit;
        this.deadLetters = deadLetters;
        this.clock = clock;
    }

    @GetMapping("/console/login")
    String login() {
        return "console/login";
    }

    @GetMapping({ "/console", "/console/" })
    String overview(Model model) {
        live(model);
        return "console/overview";
    }

    /** The figures alone, which htmx re-reads every few seconds. */
    @GetMapping("/console/overview/live")
    String live(Model model) {
        model.addAttribute("checkedAt", clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        read(model, "applied", () -> {
            long[] applied = queries.appliedPerBucket(clock.instant(), BUCKET, BUCKETS);
            long lastMinute = Arrays.stream(applied, BUCKETS - 6, BUCKETS).sum();
            model.addAttribute("appliedLastMinute", lastMinute);
            model.addAttribute("appliedPerSecond", lastMinute / 60.0);
            model.addAttribute("appliedSparkline", Sparkline.of(applied, 300, 40));
            return null;
        });
        read(model, "lag", lag::groups);
        read(model, "slots", queries::replicationSlots);
        model.addAttribute("audit", audit.recent());
        read(model, "deadLetters", deadLetters::topics);
        return "console/overview :: live";
    }

    interface Read {
        @Nullable Object get() throws Exception;
    }

    /** {@code name} in the model, or {@code nameError} with why it could not be read. */
    private static void read(Model model, String name, Read read) {
        try {
            Object value = read.get();
            if (value != null) {
                model.addAttribute(name, value);
            }
        } catch (Exception e) {
            log.warn("Console overview: {} unavailable: {}", name, e.toString());
            model.addAttribute(name + "Error", "unavailable (" + e.getClass().getSimpleName() + ")");
        }
    }
}
