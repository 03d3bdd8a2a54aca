package org.agentplatform.audit.log;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.agentplatform.schema.audit.AuditChange;
import org.agentplatform.schema.audit.AuditChangeCodec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The canonical form of a change, the bytes the chain hashes: the {@code AuditChange} JSON with every
 * object's keys sorted and no whitespace. Sorting makes the form independent of column order and of field
 * order within a schema version, so anyone can recompute a hash from the stored text alone.
 */
final class CanonicalChange {

    static final byte[] GENESIS = new byte[32];

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final AuditChangeCodec CODEC = new AuditChangeCodec();

    private CanonicalChange() {
    }

    static String of(AuditChange change) {
        return of(JSON.readTree(CODEC.encode(change)));
    }

    static String of(JsonNode json) {
        return JSON.writeValueAsString(sorted(json));
    }

    /** sha256(prevHash || canonical change bytes). */
    static byte[] hash(byte[] prevHash, String canonical) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(prevHash);
            sha.update(canonical.getBytes(StandardCharsets.UTF_8));
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JRE", e);
        }
    }

    static JsonNode parse(String canonical) {
        return JSON.readTree(canonical);
    }

    private static JsonNode sorted(JsonNode node) {
        if (node instanceof ObjectNode object) {
            List<Map.Entry<String, JsonNode>> fields = new ArrayList<>(object.properties());
            fields.sort(Map.Entry.comparingByKey());
            ObjectNode out = JsonNodeFactory.instance.objectNode();
            fields.forEach(f -> out.set(f.getKey(), sorted(f.getValue())));
            return out;
        }
        if (node instanceof ArrayNode array) {
            ArrayNode out = JsonNodeFactory.instance.arrayNode();
            array.forEach(element -> out.add(sorted(element)));
            return out;
        }
        return node;
    }
}
