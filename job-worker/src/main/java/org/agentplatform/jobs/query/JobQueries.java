package org.agentplatform.jobs.query;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** Read model of one job: its state, its attempts (one per lease) and its history, straight from the tables. */
@RestController
class JobQueries {

    private final JdbcTemplate jdbc;

    JobQueries(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    @GetMapping("/jobs/{id}")
    ResponseEntity<Map<String, Object>> job(@PathVariable UUID id) {
        List<Map<String, Object>> rows = jdbc.queryForList("""
                select id, submitter_id, status, priority, attempts, max_attempts, lease_timeout_ms, run_at,
                       lease_expires_at, fencing_token, lessee, spec::text as spec, result::text as result, last_error,
                       price, created_at, updated_at
                from jobs where id = ?""", id);
        if (rows.isEmpty()) {
            return ResponseEntity.notFound().build();
        }
        Map<String, Object> view = new LinkedHashMap<>(rows.get(0));
        view.put("attempts_detail", jdbc.queryForList("""
                select fencing_token, attempt, executor_id, leased_at, ended_at, outcome, error
                from job_attempts where job_id = ? order by fencing_token""", id));
        view.put("history", jdbc.queryForList("""
                select kind, status, attempt, fencing_token, executor_id, command_id, run_at, detail, at
                from job_history where job_id = ? order by id""", id));
        return ResponseEntity.ok(view);
    }
}
