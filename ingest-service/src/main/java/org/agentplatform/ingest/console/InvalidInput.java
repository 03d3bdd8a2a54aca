package org.agentplatform.ingest.console;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;

import org.agentplatform.schema.admission.Admissibility;
import org.agentplatform.schema.admission.Violation;
import org.jspecify.annotations.Nullable;

/** A form or query value the console cannot use, named by its field: shown on the page as a 400, never a 500. */
final class InvalidInput extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String field;

    InvalidInput(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
    }

    String field() {
        return field;
    }

    /** "field: problem", as made by the constructor; never null. */
    @Override
    public String getMessage() {
        return Objects.requireNonNull(super.getMessage(), "message");
    }

    static UUID uuid(String field, @Nullable String value) {
        try {
            if (value == null || value.isBlank()) {
                throw new InvalidInput(field, "is required (a UUID)");
            }
            return UUID.fromString(value.strip());
        } catch (IllegalArgumentException e) {
            throw new InvalidInput(field, "must be a UUID, not \"" + shown(value) + "\"");
        }
    }

    static long nonNegative(String field, @Nullable String value) {
        try {
            long parsed = Long.parseLong(value == null ? "" : value.strip());
            if (parsed < 0) {
                throw new InvalidInput(field, "must not be negative");
            }
            return parsed;
        } catch (NumberFormatException e) {
            throw new InvalidInput(field, "must be a whole number, not \"" + shown(value) + "\"");
        }
    }

    static int partition(String field, @Nullable String value) {
        long parsed = nonNegative(field, value);
        if (parsed > Integer.MAX_VALUE) {
            throw new InvalidInput(field, "is too large");
        }
        return (int) parsed;
    }

    /** Empty is "any"; otherwise one of {@code allowed} (any case). */
    static @Nullable String oneOf(String field, @Nullable String value, List<String> allowed) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String upper = value.strip().toUpperCase(Locale.ROOT);
        if (!allowed.contains(upper)) {
            throw new InvalidInput(field, "must be one of " + String.join(", ", allowed) + ", not \"" + shown(value) + "\"");
        }
        return upper;
    }

    /**
     * Free text the database stores or compares with stored text, stripped: empty is absent (null), otherwise
     * within {@code max} characters and without what PostgreSQL's text refuses ({@link Admissibility}).
     */
    static @Nullable String text(String field, @Nullable String value, int max) {
        String text = value == null ? "" : value.strip();
        if (text.isEmpty()) {
            return null;
        }
        List<Violation> problems = Admissibility.checkText(field, text, 1, max);
        if (!problems.isEmpty()) {
            throw new InvalidInput(field, problems.get(0).message());
        }
        return text;
    }

    /** What the page echoes of a bad value: short, so that a pasted document does not fill the page. */
    static String shown(@Nullable String value) {
        String v = value == null ? "" : value;
        return v.length() > 60 ? v.substring(0, 60) + "…" : v;
    }
}
