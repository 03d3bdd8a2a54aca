package org.agentplatform.schema.contract;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import org.agentplatform.schema.contract.MessageSchemas.Kind;

import tools.jackson.databind.JsonNode;

/**
 * Compares a published JSON Schema with the one the code generates now, and names each difference by what it
 * does to whom. A command version is read by the workers and written by producers that upgrade at their own
 * pace, so it is frozen: nothing may be removed, added, narrowed or widened. An event version is read by
 * consumers who ignore fields they do not know, so it may gain optional fields and may narrow, but may not
 * remove a field, make one optional, or widen a value. Only the keywords the generator writes are compared
 * (type, const, enum, bounds, lengths, pattern, format, properties, required, additionalProperties, items).
 */
final class SchemaCompatibility {

    /** One difference at {@code path} (dotted, from the schema's root). */
    record Change(String path, What what, String detail) {

        boolean breaks(Kind kind) {
            return switch (what) {
                case REMOVED, WIDENED -> true;
                case MADE_REQUIRED, ADDED_REQUIRED, ADDED_OPTIONAL, NARROWED, OPENED -> kind == Kind.COMMAND;
                case MADE_OPTIONAL -> kind == Kind.EVENT;
            };
        }

        @Override
        public String toString() {
            return path + ": " + detail;
        }
    }

    enum What {
        /** A field is gone (a rename is a removal and an addition). */
        REMOVED,
        /** A field that could be left out must now be there. */
        MADE_REQUIRED,
        /** A field that was always there may now be missing. */
        MADE_OPTIONAL,
        /** A new field that must be there. */
        ADDED_REQUIRED,
        /** A new field that may be there. */
        ADDED_OPTIONAL,
        /** Fewer values are valid than before (a type, an enum value, a bound, a length, a pattern). */
        NARROWED,
        /** More values are valid than before. */
        WIDENED,
        /** Unknown fields were refused and are now allowed. */
        OPENED
    }

    private SchemaCompatibility() {
    }

    /** The differences that break readers of a contract of {@code kind}. */
    static List<Change> breakingChanges(JsonNode published, JsonNode generated, Kind kind) {
        return changes(published, generated).stream().filter(c -> c.breaks(kind)).toList();
    }

    static List<Change> changes(JsonNode published, JsonNode generated) {
        List<Change> changes = new ArrayList<>();
        compare("$", published, generated, changes);
        return changes;
    }

    private static void compare(String path, JsonNode old, JsonNode now, List<Change> changes) {
        Set<String> oldTypes = types(old);
        Set<String> newTypes = types(now);
        difference(path, "type", oldTypes, newTypes, changes);
        difference(path, "value", values(old), values(now), changes);
        bound(path, "minimum", old.get("minimum"), now.get("minimum"), true, changes);
        bound(path, "maximum", old.get("maximum"), now.get("maximum"), false, changes);
        bound(path, "minLength", old.get("minLength"), now.get("minLength"), true, changes);
        bound(path, "maxLength", old.get("maxLength"), now.get("maxLength"), false, changes);
        for (String keyword : List.of("pattern", "format")) {
            String before = text(old.get(keyword));
            String after = text(now.get(keyword));
            if (before == null && after != null) {
                changes.add(new Change(path, What.NARROWED, keyword + " " + after + " added"));
            } else if (before != null && after == null) {
                changes.add(new Change(path, What.WIDENED, keyword + " " + before + " dropped"));
            } else if (before != null && !before.equals(after)) {
                changes.add(new Change(path, What.NARROWED, keyword + " changed from " + before + " to " + after));
                changes.add(new Change(path, What.WIDENED, keyword + " changed from " + before + " to " + after));
            }
        }
        if (old.has("items") || now.has("items")) {
            compare(path + "[]", old.path("items"), now.path("items"), changes);
        }
        if (old.has("properties") || now.has("properties")) {
            properties(path, old, now, changes);
        }
    }

    private static void properties(String path, JsonNode old, JsonNode now, List<Change> changes) {
        Set<String> oldRequired = names(old.path("required"));
        Set<String> newRequired = names(now.path("required"));
        JsonNode oldProperties = old.path("properties");
        JsonNode newProperties = now.path("properties");
        for (String field : oldProperties.propertyNames()) {
            String at = path + "." + field;
            if (!newProperties.has(field)) {
                changes.add(new Change(at, What.REMOVED, "field removed (or renamed)"));
                continue;
            }
            if (!oldRequired.contains(field) && newRequired.contains(field)) {
                changes.add(new Change(at, What.MADE_REQUIRED, "field made required"));
            } else if (oldRequired.contains(field) && !newRequired.contains(field)) {
                changes.add(new Change(at, What.MADE_OPTIONAL, "field made optional"));
            }
            compare(at, oldProperties.get(field), newProperties.get(field), changes);
        }
        for (String field : newProperties.propertyNames()) {
            if (!oldProperties.has(field)) {
                boolean required = newRequired.contains(field);
                changes.add(new Change(path + "." + field, required ? What.ADDED_REQUIRED : What.ADDED_OPTIONAL,
                        (required ? "required" : "optional") + " field added"));
            }
        }
        boolean wasClosed = old.path("additionalProperties").isBoolean() && !old.get("additionalProperties").asBoolean();
        boolean isClosed = now.path("additionalProperties").isBoolean() && !now.get("additionalProperties").asBoolean();
        if (wasClosed && !isClosed) {
            changes.add(new Change(path, What.OPENED, "unknown fields now allowed"));
        } else if (!wasClosed && isClosed) {
            changes.add(new Change(path, What.NARROWED, "unknown fields now refused"));
        }
    }

    /** Values present on one side only: fewer is narrowing, more is widening (empty means "any"). */
    private static void difference(String path, String what, Set<String> old, Set<String> now, List<Change> changes) {
        if (old.isEmpty() && now.isEmpty() || old.equals(now)) {
            return;
        }
        if (now.isEmpty()) {
            changes.add(new Change(path, What.WIDENED, what + " no longer restricted to " + old));
            return;
        }
        if (old.isEmpty()) {
            changes.add(new Change(path, What.NARROWED, what + " now restricted to " + now));
            return;
        }
        Set<String> lost = new LinkedHashSet<>(old);
        lost.removeAll(now);
        Set<String> gained = new LinkedHashSet<>(now);
        gained.removeAll(old);
        if (!lost.isEmpty()) {
            changes.add(new Change(path, What.NARROWED, what + " " + lost + " no longer accepted"));
        }
        if (!gained.isEmpty()) {
            changes.add(new Change(path, What.WIDENED, what + " " + gained + " now accepted"));
        }
    }

    /** A lower bound that rises (or an upper one that falls) narrows; the other way widens. Absent is unbounded. */
    private static void bound(String path, String keyword, JsonNode old, JsonNode now, boolean lower,
                              List<Change> changes) {
        if (old == null && now == null) {
            return;
        }
        if (old == null || now == null) {
            boolean narrowed = old == null;
            changes.add(new Change(path, narrowed ? What.NARROWED : What.WIDENED,
                    keyword + (narrowed ? " " + now + " added" : " " + old + " dropped")));
            return;
        }
        int order = old.decimalValue().compareTo(now.decimalValue());
        if (order == 0) {
            return;
        }
        boolean narrowed = lower ? order < 0 : order > 0;
        changes.add(new Change(path, narrowed ? What.NARROWED : What.WIDENED,
                keyword + " changed from " + old + " to " + now));
    }

    private static Set<String> types(JsonNode schema) {
        Set<String> types = new LinkedHashSet<>();
        JsonNode type = schema.get("type");
        if (type != null && type.isString()) {
            types.add(type.asString());
        } else if (type != null && type.isArray()) {
            type.forEach(t -> types.add(t.asString()));
        }
        return types;
    }

    private static Set<String> values(JsonNode schema) {
        Set<String> values = new LinkedHashSet<>();
        if (schema.has("const")) {
            values.add(schema.get("const").toString());
        }
        schema.path("enum").forEach(v -> values.add(v.toString()));
        return values;
    }

    private static Set<String> names(JsonNode array) {
        Set<String> names = new LinkedHashSet<>();
        array.forEach(n -> names.add(n.asString()));
        return names;
    }

    private static String text(JsonNode node) {
        return node == null ? null : node.asString();
    }
}
