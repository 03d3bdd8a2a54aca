package org.agentplatform.ingest.console;

import java.util.Map;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The audit log: the audit worker's verification (intact, or the first broken link and the rows missing from the
 * log), and one row's history: its entries in the log for a table and primary key.
 */
@Controller
class AuditPage {

    private static final Pattern TABLE = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
    private static final int HISTORY_SHOWN = 500;

    private final AuditStatus audit;
    private final ConsoleQueries queries;
    private final JsonMapper json;

    AuditPage(AuditStatus audit, ConsoleQueries queries, JsonMapper json) {
        this.audit = audit;
        this.queries = queries;
        this.json = json;
    }

    /**
     * {@code key}: the primary key as a JSON object ({@code {"id": "…"}}), or a bare value for a table keyed by
     * {@code id}. Verifying is a read (it changes nothing), so it is a GET.
     */
    @GetMapping("/console/audit")
    String audit(@RequestParam(required = false) @Nullable String table, @RequestParam(required = false) @Nullable String key,
                 @RequestParam(defaultValue = "false") String verify, Model model) {
        String name = table == null ? "" : table.strip();
        String keyText = key == null ? "" : key.strip();
        boolean hasTable = !name.isEmpty();
        boolean hasKey = !keyText.isEmpty();
        if (hasTable != hasKey) {
            throw new InvalidInput(hasTable ? "key" : "table", "is required to show a row's history");
        }
        model.addAttribute("audit", "true".equals(verify) ? audit.verify() : audit.recent());
        if (hasTable) {
            if (!TABLE.matcher(name).matches()) {
                throw new InvalidInput("table", "must be a table name (lower case letters, digits and _), not \""
                        + InvalidInput.shown(name) + "\"");
            }
            String primaryKey = primaryKey(keyText);
            model.addAttribute("table", name);
            model.addAttribute("key", keyText);
            model.addAttribute("history", queries.auditHistory(name, primaryKey, HISTORY_SHOWN));
            model.addAttribute("historyShown", HISTORY_SHOWN);
        }
        return "console/audit";
    }

    private String primaryKey(String key) {
        if (key.indexOf('\u0000') >= 0 || key.contains("\\u0000")) {
            throw new InvalidInput("key", "must not contain NUL (the log cannot hold it)");
        }
        if (!key.startsWith("{")) {
            return json.writeValueAsString(Map.of("id", key));
        }
        try {
            JsonNode parsed = json.readTree(key);
            if (!parsed.isObject() || parsed.isEmpty()) {
                throw new InvalidInput("key", "must be a JSON object of the key columns, e.g. {\"id\": \"…\"}");
            }
            return json.writeValueAsString(parsed);
        } catch (JacksonException e) {
            throw new InvalidInput("key", "is not valid JSON");
        }
    }
}
