package org.agentplatform.audit.log;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

import org.agentplatform.schema.audit.AuditChange;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The canonical form of a change, the bytes the chain hashes: the {@code AuditChange} JSON with every
 * object's keys sorted and no whitespace. Sorting makes the form independent of column order and of field
 * order within a schema version, so anyone can recompute a hash from the stored text alone.
 */
final class CanonicalChange {

    static final byte[] GENESIS = new byte[32];

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private CanonicalChange() {
    }

    /**
     * The canonical text of a change: what {@code sorted(parse(AuditChangeCodec.encode(change)))} written without
     * whitespace gives, written in one pass instead (no intermediate bytes, parse or sorted copy).
     */
    static String of(AuditChange change) {
        StringWriter out = new StringWriter(1024);
        try (JsonGenerator gen = JSON.createGenerator(out)) {
            // the record's properties in sorted order, each as the codec writes it
            gen.writeStartObject();
            writeSortedField(gen, "after", change.after());
            writeSortedField(gen, "before", change.before());
            gen.writeStringProperty("changeId", change.changeId().toString());
            if (change.commitLsn() == null) {
                gen.writeNullProperty("commitLsn");
            } else {
                gen.writeNumberProperty("commitLsn", change.commitLsn().longValue());
            }
            gen.writeStringProperty("commitTime", change.commitTime().toString()); // ISO-8601, as the codec writes it
            gen.writeNumberProperty("lsn", change.lsn());
            gen.writeStringProperty("operation", change.operation().name());
            writeSortedField(gen, "primaryKey", change.primaryKey());
            gen.writeStringProperty("schema", change.schema());
            gen.writeNumberProperty("schemaVersion", change.schemaVersion());
            gen.writeStringProperty("table", change.table());
            gen.writeNumberProperty("txId", change.txId());
            gen.writeEndObject();
        }
        return out.toString();
    }

    static String of(JsonNode json) {
        StringWriter out = new StringWriter(1024);
        try (JsonGenerator gen = JSON.createGenerator(out)) {
            writeSorted(gen, json, false);
        }
        return out.toString();
    }

    private static void writeSortedField(JsonGenerator gen, String name, @Nullable JsonNode value) {
        gen.writeName(name);
        if (value == null) {
            gen.writeNull();
        } else {
            writeSorted(gen, value, true);
        }
    }

    /**
     * The tree with every object's keys sorted; with {@code asParsed}, each scalar as it is after the codec wrote
     * it and a parser read it back (the canonical form of a change is defined through its JSON text).
     */
    private static void writeSorted(JsonGenerator gen, JsonNode node, boolean asParsed) {
        if (node instanceof ObjectNode object) {
            String[] names = object.propertyNames().toArray(String[]::new);
            Arrays.sort(names);
            gen.writeStartObject();
            for (String name : names) {
                gen.writeName(name);
                writeSorted(gen, object.get(name), asParsed);
            }
            gen.writeEndObject();
        } else if (node instanceof ArrayNode array) {
            gen.writeStartArray();
            for (JsonNode element : array) {
                writeSorted(gen, element, asParsed);
            }
            gen.writeEndArray();
        } else if (!asParsed || node.isString() || node.isInt() || node.isLong() || node.isDouble() || node.isBoolean()
                || node.isNull() || node.isBigInteger()) {
            gen.writeTree(node); // as a parser gives them (a decoded change has only these): written as read
        } else {
            // nodes no parser makes (decimal, float, binary …): as the definition has them, written and read back
            gen.writeTree(JSON.readTree(JSON.writeValueAsString(node)));
        }
    }

    /** sha256(prevHash || canonical change bytes). */
    static byte[] hash(byte[] prevHash, String canonical) {
        return hash(sha256(), prevHash, canonical);
    }

    /** As {@link #hash(byte[], String)}, with a digest to reuse (digest() leaves it reset). */
    static byte[] hash(MessageDigest sha, byte[] prevHash, String canonical) {
        sha.update(prevHash);
        sha.update(canonical.getBytes(StandardCharsets.UTF_8));
        return sha.digest();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }

    static JsonNode parse(String canonical) {
        return JSON.readTree(canonical);
    }
}
