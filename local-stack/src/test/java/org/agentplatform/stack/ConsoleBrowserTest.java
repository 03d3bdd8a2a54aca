package org.agentplatform.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Level;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.springframework.jdbc.core.JdbcTemplate;

import tools.jackson.databind.JsonNode;

/**
 * The admin console in a real browser (headless Chromium, through Selenium and the system's chromedriver) against
 * the whole stack: only the admin key logs in; every page renders without a browser console error (a blocked
 * script or style, a failed request); a dead letter replayed from its page is then applied; a job cancelled from its
 * page reaches CANCELLED, and a bulk cancel reaches every match; an agent is suspended and reactivated; the audit
 * page names the first broken link of a tampered log. A screenshot of each page is saved under {@code target/console-screenshots}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
    private static final Duration PATIENCE = StackApi.PATIENCE;
    private static final String DLT = "commands.karma.dlt";

    @TempDir
    static Path dataDir;
    @TempDir
    static Path profile;

    static LocalStack.Options options;
    static LocalStack stack;
    static StackApi api;
    static JdbcTemplate jdbc;
    static WebDriver driver;
    static WebDriverWait waiting;

    static final UUID alice = UUID.randomUUID();
    static String aliceKey;
    static UUID poison;
    static UUID job;

    @BeforeAll
    static void startStackAndBrowser() throws Exception {
        // a missing browser is a failure, not a skip: CI installs it (.ci/run)
        assertThat(Files.isExecutable(CHROMIUM)).as(CHROMIUM + " (apt-get install chromium)").isTrue();
        assertThat(Files.isExecutable(CHROMEDRIVER)).as(CHROMEDRIVER + " (apt-get install chromium-driver)").isTrue();
        options = LocalStack.Options.onFreePorts(dataDir);
        stack = LocalStack.start(options, Map.of("ingest.dead-letters.run-interval", "200ms",
                "ingest.dead-letters.stale-after", "5s"));
        api = new StackApi(options, stack);
        jdbc = new JdbcTemplate(stack.postgres().dataSource(LocalStack.DATABASE));

        aliceKey = api.send("POST", "/agents", stack.adminKey(), """
                {"agentId":"%s","name":"alice"}""".formatted(alice), 201).get("apiKey").asString();
        StackApi.refuseGrantsOf777(jdbc);
        poison = StackApi.commandId(api.send("POST", "/karma/grants", stack.adminKey(), """
                {"accountId":"%s","amount":777}""".formatted(alice), 202));
        api.awaitStatus(poison, "DEAD_LETTERED");
        job = UUID.fromString(api.send("POST", "/jobs", aliceKey, """
                {"spec":{"task":"console-test"}}""", 202).get("jobId").asString());
        await().atMost(PATIENCE).until(() -> "QUEUED".equals(jobStatus(job)));

        ChromeOptions chrome = new ChromeOptions();
        chrome.setBinary(CHROMIUM.toFile());
        chrome.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1000", "--user-data-dir=" + profile.toAbsolutePath());
        chrome.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString())).usingAnyFreePort().build();
        driver = new ChromeDriver(service, chrome);
        driver.manage().timeouts().pageLoadTimeout(PATIENCE);
        waiting = new WebDriverWait(driver, PATIENCE);
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    static void stop() {
        try {
            if (driver != null) {
                driver.quit();
            }
        } finally {
            if (stack != null) {
                stack.close();
            }
        }
    }

    @Test
    @Order(1)
    void onlyTheAdminKeyLogsIn() throws Exception {
        open("/console");
        assertThat(driver.getCurrentUrl()).as("a stranger is sent to the login page").endsWith("/console/login");
        // the console log is read for real: an error written to it is seen as SEVERE
        ((JavascriptExecutor) driver).executeScript("console.error('console-log-probe')");
        assertThat(drainConsoleLog()).anySatisfy(e -> {
            assertThat(e.getLevel()).isEqualTo(Level.SEVERE);
            assertThat(e.getMessage()).contains("console-log-probe");
        });
        assertThat(driver.getTitle()).startsWith("Log in");
        screenshot("login");

        logIn("not-the-admin-key-0123456789");
        assertThat(text(By.id("login-error"))).contains("not the admin key");
        logIn(aliceKey);
        assertThat(text(By.id("login-error"))).as("an agent's key opens the API, not the console")
                .contains("not the admin key");
        assertThat(driver.getPageSource()).doesNotContain("Exception").doesNotContain("at org.");
        screenshot("login-refused");

        logIn(stack.adminKey());
        waiting.until(ExpectedConditions.titleContains("Overview"));
        Cookie session = driver.manage().getCookieNamed("console-session");
        assertThat(session).isNotNull();
        assertThat(session.isHttpOnly()).isTrue();
        assertThat(session.getSameSite()).isEqualToIgnoringCase("Strict");
        assertThat(session.isSecure()).isTrue();
        assertThat(session.getPath()).as("not sent to the API's paths").isEqualTo("/console");
        // the API is untouched: the session cookie is not a key, a bearer key still is
        assertThat(api.request("GET", "/admin/dead-letters/topics", "not-a-key", null).statusCode()).isEqualTo(401);
        assertThat(api.request("GET", "/admin/dead-letters/topics", stack.adminKey(), null).statusCode()).isEqualTo(200);
        assertNoConsoleErrors("login");
    }

    @Test
    @Order(2)
    void everyPageRendersWithoutBrowserErrors() throws Exception {
        // the audit log has the agent's row once CDC carried it
        await().atMost(PATIENCE).until(() -> jdbc.queryForObject(
                "select count(*) from audit_log where table_name = 'agents'", Long.class) > 0);
        awaitAuditIntact();
        Map<String, String> pages = new java.util.LinkedHashMap<>();
        pages.put("overview", "/console");
        pages.put("jobs", "/console/jobs?state=QUEUED");
        pages.put("job", "/console/jobs/" + job);
        pages.put("dead-letters", "/console/dead-letters?topic=" + DLT);
        pages.put("audit", "/console/audit?table=agents&key=" + alice);
        pages.put("agents", "/console/agents");
        for (var page : pages.entrySet()) {
            open(page.getValue());
            assertThat(driver.getCurrentUrl()).as(page.getKey()).doesNotContain("/login");
            assertThat(driver.findElement(By.tagName("h1")).getText()).as(page.getKey()).isNotBlank();
            assertThat(driver.getTitle()).as(page.getKey()).endsWith("· Agent platform console");
            screenshot(page.getKey());
            assertNoConsoleErrors(page.getKey());
        }

        open("/console");
        assertThat(driver.findElement(By.cssSelector("#applied svg.spark polyline")).getAttribute("points")).isNotBlank();
        assertThat(Long.parseLong(text(By.id("applied-peak")))).as("the registration and the job's submission, applied")
                .isPositive();
        assertThat(text(By.id("lag"))).contains("ledger");
        assertThat(text(By.id("cdc"))).doesNotContain("No replication slot").doesNotContain("inactive").contains("active")
                .contains("WAL retained");
        assertThat(text(By.id("audit-status"))).contains("Intact");
        assertThat(text(By.id("dead-letter-topics"))).contains(DLT);
        // htmx re-reads the figures in place: the section is replaced, with the same CSRF-carrying page around it
        WebElement live = driver.findElement(By.id("live"));
        waiting.until(ExpectedConditions.stalenessOf(live));
        assertThat(text(By.id("live"))).contains("Applied commands");
        assertNoConsoleErrors("overview (after refresh)");

        open("/console/jobs/" + job);
        assertThat(text(By.id("job-status"))).isEqualTo("QUEUED");
        open("/console/agents");
        assertThat(text(By.id("agent-" + alice))).contains("alice").contains("ACTIVE").contains("ak_");
        open("/console/audit?table=agents&key=" + alice);
        assertThat(text(By.id("history"))).contains("INSERT").contains("alice");

        // a bad value is a message naming the field, with a 4xx, not a stack trace
        open("/console/jobs?state=SLEEPING");
        assertThat(text(By.id("problem"))).startsWith("state:");
        open("/console/jobs/not-a-uuid");
        assertThat(text(By.id("problem"))).startsWith("jobId:");
        open("/console/audit?table=agents&key=%7Bnot-json");
        assertThat(text(By.id("problem"))).startsWith("key:");
        open("/console/dead-letters?topic=events.karma");
        assertThat(text(By.id("problem"))).startsWith("topic:");
        drainConsoleLog(); // the 400s above are logged by the browser as failed loads, on purpose
    }

    @Test
    @Order(3)
    void aDeadLetterReplayedFromItsPageIsApplied() throws Exception {
        StackApi.acceptGrantsOf777Again(jdbc);
        open("/console/dead-letters?topic=" + DLT + "&reason=replay-test");
        List<WebElement> replayButtons = driver.findElements(By.cssSelector("#dead-letters button.replay-one"));
        assertThat(replayButtons).hasSize(1);
        replayButtons.get(0).click();
        waiting.until(ExpectedConditions.visibilityOfElementLocated(By.id("notice")));
        assertThat(text(By.id("notice"))).contains("Replay").contains("requested");

        assertThat(api.awaitStatus(poison, "APPLIED").has("reason")).isFalse();
        assertThat(jdbc.queryForObject("select balance from accounts where id = ?", Long.class, alice)).isEqualTo(777);
        await().atMost(PATIENCE).untilAsserted(() -> {
            open("/console/dead-letters?topic=" + DLT);
            assertThat(driver.findElements(By.cssSelector("#replays td.replay-status")).get(0).getText()).isEqualTo("DONE");
        });
        assertThat(api.send("GET", "/admin/dead-letters/replays", stack.adminKey(), null, 200).get(0)
                .get("requestedBy").asString()).isEqualTo("admin");

        // every match of the filter, replayed again: a duplicate the ledger recognises, not a second grant
        open("/console/dead-letters?topic=" + DLT + "&reason=replay-test");
        driver.findElement(By.id("replay-matching")).click();
        assertThat(text(By.id("notice"))).contains("reason contains \"replay-test\"");
        await().atMost(PATIENCE).untilAsserted(() -> {
            open("/console/dead-letters?topic=" + DLT);
            List<WebElement> newest = driver.findElements(By.cssSelector("#replays tr:nth-child(2) td"));
            assertThat(newest.get(3).getText()).isEqualTo("reason “replay-test”");
            assertThat(newest.get(4).getText()).isEqualTo("DONE");
            assertThat(newest.get(5).getText()).as("replayed").isEqualTo("1");
        });
        assertThat(jdbc.queryForObject("select count(*) from transfers where amount = 777", Long.class)).isEqualTo(1);
        screenshot("dead-letters-replayed");
        assertNoConsoleErrors("dead letters");
    }

    @Test
    @Order(4)
    void aJobCancelledFromItsPageIsCancelledAndABulkCancelReachesEveryMatch() throws Exception {
        open("/console/jobs/" + job);
        driver.findElement(By.id("cancel")).click();
        waiting.until(ExpectedConditions.visibilityOfElementLocated(By.id("notice")));
        assertThat(text(By.id("notice"))).contains("Cancellation of job " + job + " requested");
        await().atMost(PATIENCE).until(() -> "CANCELLED".equals(jobStatus(job)));
        open("/console/jobs/" + job);
        assertThat(text(By.id("job-status"))).isEqualTo("CANCELLED");
        assertThat(driver.findElements(By.id("cancel"))).as("a finished job has no cancel button").isEmpty();
        assertThat(text(By.id("history"))).contains("CANCELLED").contains("by the admin");

        List<UUID> more = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            more.add(UUID.fromString(api.send("POST", "/jobs", aliceKey, """
                    {"spec":{"task":"bulk-%d"}}""".formatted(i), 202).get("jobId").asString()));
        }
        await().atMost(PATIENCE).until(() -> more.stream().allMatch(id -> "QUEUED".equals(jobStatus(id))));
        open("/console/jobs?state=QUEUED");
        driver.findElement(By.id("cancel-matching")).click();
        waiting.until(ExpectedConditions.visibilityOfElementLocated(By.id("notice")));
        assertThat(text(By.id("notice"))).contains("Cancellation requested for 3 jobs");
        await().atMost(PATIENCE).until(() -> more.stream().allMatch(id -> "CANCELLED".equals(jobStatus(id))));
        assertNoConsoleErrors("jobs");
    }

    @Test
    @Order(5)
    void anAgentIsSuspendedAndReactivatedFromTheAgentsPage() throws Exception {
        open("/console/agents");
        driver.findElement(By.cssSelector("#agent-" + alice + " button")).click();
        assertThat(text(By.id("notice"))).contains("Suspension of agent " + alice + " requested");
        await().atMost(PATIENCE).until(() -> "SUSPENDED".equals(agentStatus(alice)));
        open("/console/agents");
        assertThat(text(By.id("agent-" + alice))).contains("SUSPENDED");
        driver.findElement(By.cssSelector("#agent-" + alice + " button")).click();
        assertThat(text(By.id("notice"))).contains("Reactivation of agent " + alice + " requested");
        await().atMost(PATIENCE).until(() -> "ACTIVE".equals(agentStatus(alice)));
        assertNoConsoleErrors("agents");
    }

    @Test
    @Order(6)
    void aStuckEscrowIsListedWithWhyAndRefundedFromItsPage() throws Exception {
        UUID priced = UUID.fromString(api.send("POST", "/jobs", aliceKey, """
                {"spec":{"task":"stuck"},"price":7}""", 202).get("jobId").asString());
        await().atMost(PATIENCE).until(() -> "HELD".equals(escrowStatus(priced)));
        long balance = jdbc.queryForObject("select balance from accounts where id = ?", Long.class, alice);
        // as the job worker marks an escrow the ledger refused to settle (the refusal itself is the job worker's
        // tests' to cause): the job failed, its held price STUCK
        assertThat(jdbc.update("update jobs set status = 'FAILED', escrow_status = 'STUCK' where id = ? and status = 'QUEUED'",
                priced)).isOne();

        open("/console/escrows");
        assertThat(text(By.id("escrow-" + priced))).contains("FAILED").contains("RESERVE").contains("APPLIED");
        screenshot("escrows");
        assertNoConsoleErrors("escrows");

        // the reason is required: without it the page names the field (the browser's own check removed)
        ((JavascriptExecutor) driver).executeScript("document.getElementById('reason-" + priced + "').removeAttribute('required')");
        driver.findElement(By.cssSelector("#escrow-" + priced + " button.resolve-one")).click();
        assertThat(text(By.id("problem"))).startsWith("reason:");
        drainConsoleLog(); // the 400 is logged by the browser as a failed load, on purpose

        open("/console/escrows");
        new Select(driver.findElement(By.id("action-" + priced))).selectByValue("REFUND");
        driver.findElement(By.id("reason-" + priced)).sendKeys("executor never ran it");
        driver.findElement(By.cssSelector("#escrow-" + priced + " button.resolve-one")).click();
        assertThat(text(By.id("notice"))).contains("REFUND of the escrow of job " + priced + " requested");
        await().atMost(PATIENCE).until(() -> "REFUNDED".equals(escrowStatus(priced)));
        assertThat(jdbc.queryForObject("select pending_debits from accounts where id = ?", Long.class, alice)).isZero();
        assertThat(jdbc.queryForObject("select balance from accounts where id = ?", Long.class, alice)).isEqualTo(balance);
        open("/console/jobs/" + priced);
        assertThat(text(By.id("history"))).contains("ESCROW_RESOLUTION").contains("executor never ran it");
        open("/console/escrows");
        assertThat(driver.findElements(By.id("escrow-" + priced))).as("no longer stuck").isEmpty();
        assertNoConsoleErrors("escrows (resolved)");
    }

    @Test
    @Order(7)
    void theAuditPageNamesTheFirstBrokenLinkOfATamperedLog() throws Exception {
        awaitAuditIntact();
        long seq = jdbc.queryForObject("select min(seq) from audit_log where table_name = 'agents' and change like '%alice%'",
                Long.class);
        // a superuser who disables the append-only trigger can alter an entry; the chain names it
        DataSource db = stack.postgres().dataSource(LocalStack.DATABASE);
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            s.execute("alter table audit_log disable trigger audit_log_append_only");
            s.execute("update audit_log set change = replace(change, 'alice', 'mallory') where seq = " + seq);
            s.execute("alter table audit_log enable trigger audit_log_append_only");
        }
        driver.findElement(By.id("verify")).click();
        waiting.until(ExpectedConditions.visibilityOfElementLocated(By.id("audit-broken")));
        assertThat(text(By.id("broken-seq"))).isEqualTo(String.valueOf(seq));
        assertThat(text(By.id("audit-broken"))).contains("hash does not match");
        screenshot("audit-tampered");
        open("/console");
        assertThat(text(By.id("audit-status"))).contains("Broken");
        assertNoConsoleErrors("audit");

        driver.findElement(By.id("logout")).click();
        waiting.until(ExpectedConditions.urlContains("/console/login"));
        open("/console/agents");
        assertThat(driver.getCurrentUrl()).as("logged out").endsWith("/console/login");
    }

    /**
     * Until the audit worker reports the log intact and complete: right after a change, CDC may not have carried it
     * yet, and the verification says so (a row missing from the log) until it has.
     */
    private static void awaitAuditIntact() {
        // every poll walks the whole chain on the audit worker: not back to back on a 2-core machine
        await().atMost(PATIENCE).pollInterval(Duration.ofSeconds(1)).until(() -> {
            open("/console/audit?verify=true");
            return !driver.findElements(By.id("audit-ok")).isEmpty();
        });
    }

    private static String agentStatus(UUID id) {
        return jdbc.queryForObject("select status from agents where id = ?", String.class, id);
    }

    private static String escrowStatus(UUID id) {
        return jdbc.queryForList("select escrow_status from jobs where id = ?", String.class, id).stream().findFirst()
                .orElse(null);
    }

    private static String jobStatus(UUID id) {
        return jdbc.queryForList("select status from jobs where id = ?", String.class, id).stream().findFirst().orElse(null);
    }

    private static void open(String path) {
        driver.get("http://localhost:" + options.httpPort() + path);
    }

    private static void logIn(String key) {
        open("/console/login");
        WebElement field = driver.findElement(By.id("key"));
        field.clear();
        field.sendKeys(key);
        driver.findElement(By.id("login")).click();
        waiting.until(d -> !d.getCurrentUrl().endsWith("/console/login"));
    }

    private static String text(By locator) {
        return waiting.until(ExpectedConditions.visibilityOfElementLocated(locator)).getText();
    }

    private static void screenshot(String page) throws IOException {
        byte[] png = ((ChromeDriver) driver).getScreenshotAs(OutputType.BYTES);
        Files.write(SCREENSHOTS.resolve(page + ".png"), png);
    }

    private static void assertNoConsoleErrors(String page) {
        List<LogEntry> severe = drainConsoleLog().stream().filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                .toList();
        assertThat(severe).as("browser console errors on " + page).isEmpty();
    }

    private static List<LogEntry> drainConsoleLog() {
        return driver.manage().logs().get(LogType.BROWSER).getAll();
    }
}
