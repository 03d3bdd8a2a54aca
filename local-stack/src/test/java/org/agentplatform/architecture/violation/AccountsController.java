package org.agentplatform.architecture.violation;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** A deliberate violation for ArchitectureTest: a controller with SQL of its own. Never loaded as a bean. */
@RestController
public class AccountsController {

    private final JdbcTemplate jdbc;

    AccountsController(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @GetMapping("/violation/accounts")
    Long count() {
        return jdbc.queryForObject("select count(*) from accounts", Long.class);
    }
}
