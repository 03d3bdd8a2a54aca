package org.agentplatform.schema.messaging;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * Ids that follow from other ids, so that a redelivered or retried message names the same entity, event or
 * outcome and the receiver dedupes it. They are stored (as command, event and audit ids), so the name an id is
 * derived from never changes spelling: a new derivation gets a new purpose, never a changed old one.
 */
public final class DerivedIds {

    private DerivedIds() {
    }

    /**
     * A version 3 (MD5) id of {@code "<purpose>:<part>:<part>…"}, each part in its {@code toString} form:
     * {@code of("rejected", commandId)} is the id of {@code "rejected:" + commandId}.
     */
    public static UUID of(String purpose, Object... parts) {
        StringBuilder name = new StringBuilder(purpose);
        for (Object part : parts) {
            name.append(':').append(part);
        }
        return ofName(name.toString());
    }

    /** A version 3 (MD5) id of the whole name, for names whose layout is not {@link #of}'s. */
    public static UUID ofName(String name) {
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8));
    }

    /** An RFC 9562 version 5 (SHA-1) id of {@code name} within {@code namespace}. */
    public static UUID within(UUID namespace, String name) {
        MessageDigest sha1;
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK ships SHA-1", e);
        }
        sha1.update(ByteBuffer.allocate(16).putLong(namespace.getMostSignificantBits())
                .putLong(namespace.getLeastSignificantBits()).array());
        byte[] hash = sha1.digest(name.getBytes(StandardCharsets.UTF_8));
        hash[6] = (byte) ((hash[6] & 0x0f) | 0x50);
        hash[8] = (byte) ((hash[8] & 0x3f) | 0x80);
        ByteBuffer bytes = ByteBuffer.wrap(hash, 0, 16);
        return new UUID(bytes.getLong(), bytes.getLong());
    }
}
