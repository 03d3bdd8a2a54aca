package org.agentplatform.schema.admission;

import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.Message;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Whether a message can be stored as it is: the one check the HTTP edge runs before publishing (a 400 naming
 * the field) and every worker runs before touching the database (a recorded {@code INVALID_COMMAND}). It
 * walks the record's components, so a new field is checked without anyone remembering to:
 * <ul>
 * <li>text and JSON strings (keys too) without NUL, which PostgreSQL's {@code text} and {@code jsonb} refuse;</li>
 * <li>text within its column's length ({@link Text}, or {@link #DEFAULT_MAX_TEXT});</li>
 * <li>timestamps within PostgreSQL's {@code timestamptz} range, durations that fit its millisecond columns;</li>
 * <li>JSON values with finite numbers that {@code numeric} holds, at most {@link #MAX_JSON_DEPTH} deep and
 *     {@link #MAX_JSON_BYTES} long.</li>
 * </ul>
 * Domain rules (funds, quorum, whether an id exists) are not admissibility: they are the aggregates' to refuse.
 */
public final class Admissibility {

    /** Longest text a String component without {@link Text} may hold. */
    public static final int DEFAULT_MAX_TEXT = 10_000;
    /** Largest JSON value (its UTF-8 text) one component may hold. */
    public static final int MAX_JSON_BYTES = 256 * 1024;
    public static final int MAX_JSON_DEPTH = 32;
    /** PostgreSQL's timestamptz range: 4713 BC to 294276 AD. */
    public static final Instant MIN_TIMESTAMP = Instant.parse("-4713-11-24T00:00:00Z");
    public static final Instant MAX_TIMESTAMP = Instant.parse("+294276-12-31T23:59:59Z");
    /** Durations are stored in milliseconds and added to timestamps: a century is more than any lease needs. */
    public static final Duration MAX_DURATION = Duration.ofDays(36_500);
    /** numeric keeps up to 131072 digits before the point; far more than any JSON a client means. */
    private static final int MAX_NUMBER_DIGITS = 1_000;
    /** The envelope's actor is stored with outcomes and events. */
    public static final int MAX_ACTOR = 200;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Admissibility() {
    }

    /** Every violation of the envelope's header and its payload; empty if it can be stored. */
    public static List<Violation> check(Envelope<?> envelope) {
        List<Violation> found = new ArrayList<>();
        text("actor", envelope.actor(), 1, MAX_ACTOR, found);
        instant("occurredAt", envelope.occurredAt(), found);
        value("payload", envelope.payload(), null, found);
        return found;
    }

    /** Every violation in a message (field names relative to it); empty if it can be stored. */
    public static List<Violation> check(Message message) {
        List<Violation> found = new ArrayList<>();
        value("", message, null, found);
        return found;
    }

    /** A text field of a request that is not a message component (a name, a reason), checked the same way. */
    public static List<Violation> checkText(String field, String value, int min, int max) {
        List<Violation> found = new ArrayList<>();
        text(field, value, min, max, found);
        return found;
    }

    /** An instant PostgreSQL's {@code timestamptz} can store, for values that are not part of a message. */
    public static List<Violation> checkInstant(String field, Instant value) {
        List<Violation> found = new ArrayList<>();
        instant(field, value, found);
        return found;
    }

    private static void value(String path, @Nullable Object value, @Nullable Text limit, List<Violation> found) {
        if (value == null) {
            return; // nullability is the record constructor's and the codec's to judge
        }
        if (value instanceof String s) {
            text(path, s, limit == null ? 0 : limit.min(), limit == null ? DEFAULT_MAX_TEXT : limit.max(), found);
        } else if (value instanceof Instant instant) {
            instant(path, instant, found);
        } else if (value instanceof Duration duration) {
            // stored in whole milliseconds: less than one would be stored as zero
            if (duration.compareTo(MAX_DURATION) > 0 || duration.compareTo(Duration.ofMillis(1)) < 0) {
                found.add(new Violation(path, "must be between 1 ms and " + MAX_DURATION.toDays() + " days"));
            }
        } else if (value instanceof JsonNode node) {
            json(path, node, found);
        } else if (value instanceof Collection<?> items && items.stream().anyMatch(Admissibility::isRecord)) {
            int i = 0;
            for (Object item : items) {
                value(path + "[" + i++ + "]", item, limit, found);
            }
        } else if (value instanceof Map<?, ?> || value instanceof Collection<?>) {
            plainJson(path, value, found);
        } else if (value instanceof Double d && (d.isNaN() || d.isInfinite())
                || value instanceof Float f && (f.isNaN() || f.isInfinite())) {
            found.add(new Violation(path, "must be a finite number"));
        } else if (value.getClass().isRecord()) {
            for (RecordComponent component : value.getClass().getRecordComponents()) {
                Object v;
                try {
                    v = component.getAccessor().invoke(value);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("cannot read " + component, e);
                }
                value(join(path, component.getName()), v, component.getAnnotation(Text.class), found);
            }
        }
    }

    private static boolean isRecord(Object item) {
        return item != null && item.getClass().isRecord();
    }

    private static void text(String path, String s, int min, int max, List<Violation> found) {
        if (s == null) {
            return;
        }
        if (s.indexOf('\u0000') >= 0) {
            found.add(new Violation(path, "must not contain the NUL character (U+0000)"));
        }
        if (hasLoneSurrogate(s)) {
            found.add(new Violation(path, "must be valid Unicode (it has an unpaired surrogate)"));
        }
        int length = s.codePointCount(0, s.length());
        if (length < min || length > max) {
            found.add(new Violation(path, min > 0 ? "must have " + min + " to " + max + " characters, has " + length
                    : "must have at most " + max + " characters, has " + length));
        }
    }

    private static void instant(String path, Instant instant, List<Violation> found) {
        if (instant != null && (instant.isBefore(MIN_TIMESTAMP) || instant.isAfter(MAX_TIMESTAMP))) {
            found.add(new Violation(path, "must be between " + MIN_TIMESTAMP + " and " + MAX_TIMESTAMP));
        }
    }

    private static void json(String path, JsonNode root, List<Violation> found) {
        int before = found.size();
        jsonNode(path, root, 0, found);
        if (found.size() == before) {
            size(path, JSON.writeValueAsBytes(root).length, found);
        }
    }

    /** PostgreSQL refuses NUL in a key; the driver would store an unpaired surrogate as '?', merging keys. */
    private static void key(String path, String key, List<Violation> found) {
        if (key.indexOf('\u0000') >= 0) {
            found.add(new Violation(path, "a JSON key must not contain the NUL character (U+0000)"));
        }
        if (hasLoneSurrogate(key)) {
            found.add(new Violation(path, "a JSON key must be valid Unicode (it has an unpaired surrogate)"));
        }
    }

    private static void size(String path, int bytes, List<Violation> found) {
        if (bytes > MAX_JSON_BYTES) {
            found.add(new Violation(path, "must be at most " + MAX_JSON_BYTES + " bytes of JSON, is " + bytes));
        }
    }

    private static void jsonNode(String path, JsonNode node, int depth, List<Violation> found) {
        if (depth > MAX_JSON_DEPTH) {
            found.add(new Violation(path, "must be nested at most " + MAX_JSON_DEPTH + " levels deep"));
            return;
        }
        if (node.isString()) {
            text(path, node.asString(), 0, Integer.MAX_VALUE, found);
        } else if (node.isNumber()) {
            number(path, node.numberValue(), found);
        } else if (node.isObject()) {
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                String child = path + "." + field.getKey().replace("\u0000", "\\u0000");
                key(child, field.getKey(), found);
                jsonNode(child, field.getValue(), depth + 1, found);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                jsonNode(path + "[" + i + "]", node.get(i), depth + 1, found);
            }
        }
    }

    /** Free-form JSON held as maps and lists (the claim's evidence). */
    private static void plainJson(String path, Object value, List<Violation> found) {
        int before = found.size();
        plain(path, value, 0, found);
        if (found.size() == before) {
            size(path, JSON.writeValueAsBytes(value).length, found);
        }
    }

    private static void plain(String path, Object value, int depth, List<Violation> found) {
        if (depth > MAX_JSON_DEPTH) {
            found.add(new Violation(path, "must be nested at most " + MAX_JSON_DEPTH + " levels deep"));
            return;
        }
        if (value instanceof String s) {
            text(path, s, 0, Integer.MAX_VALUE, found);
        } else if (value instanceof Number n) {
            number(path, n, found);
        } else if (value instanceof Map<?, ?> map) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                String key = String.valueOf(e.getKey());
                String child = path + "." + key.replace("\u0000", "\\u0000");
                key(child, key, found);
                plain(child, e.getValue(), depth + 1, found);
            }
        } else if (value instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                plain(path + "[" + i++ + "]", item, depth + 1, found);
            }
        }
    }

    private static void number(String path, Number n, List<Violation> found) {
        if (n instanceof Double d && (d.isNaN() || d.isInfinite()) || n instanceof Float f && (f.isNaN() || f.isInfinite())) {
            found.add(new Violation(path, "must be a finite number"));
        } else if (n instanceof BigDecimal big && (big.precision() - big.scale() > MAX_NUMBER_DIGITS
                || big.scale() > MAX_NUMBER_DIGITS)) {
            found.add(new Violation(path, "must have at most " + MAX_NUMBER_DIGITS + " digits"));
        } else if (n instanceof BigInteger big && big.bitLength() > MAX_NUMBER_DIGITS * 3) {
            found.add(new Violation(path, "must have at most " + MAX_NUMBER_DIGITS + " digits"));
        }
    }

    private static boolean hasLoneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else {
                    return true;
                }
            } else if (Character.isLowSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    private static String join(String path, String name) {
        return path.isEmpty() ? name : path + "." + name;
    }
}
