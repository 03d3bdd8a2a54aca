package org.agentplatform.ingest.keys;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Agents' API keys: {@code ak_<8 chars>_<43 chars>}. The prefix identifies the key (it is stored and may be
 * shown in logs and listings); the secret is 256 bits from {@link SecureRandom}. Only the SHA-256 of the
 * whole token is stored, and it is compared in constant time. A key is shown once, when it is created.
 */
@Component
public class ApiKeys {

    private static final Pattern FORMAT = Pattern.compile("ak_[a-z0-9]{8}_[A-Za-z0-9_-]{43}");
    private static final char[] PREFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();
    private static final int PREFIX_LENGTH = 3 + 8;
    private static final int SECRET_BYTES = 32;

    private final JdbcClient jdbc;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    ApiKeys(JdbcClient jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /** A key just created: the only time its token exists outside the caller's hands. */
    public record NewKey(UUID keyId, UUID agentId, String prefix, String apiKey, Instant createdAt) {
    }

    /** A stored key, without anything secret. */
    public record KeyInfo(UUID keyId, UUID agentId, String prefix, Instant createdAt, @Nullable Instant revokedAt) {
    }

    /** What a presented token turned out to be. */
    public sealed interface Verdict {
        record Valid(UUID agentId, UUID keyId) implements Verdict {
        }

        record Invalid(String reason) implements Verdict {
        }
    }

    public NewKey create(UUID agentId) {
        return createWithId(UUID.randomUUID(), agentId).orElseThrow();
    }

    /**
     * Creates key {@code keyId} unless it exists already (then empty): with an id derived from a command id, a
     * retried registration does not mint a second key.
     */
    public Optional<NewKey> createWithId(UUID keyId, UUID agentId) {
        for (int attempt = 1; ; attempt++) {
            String prefix = "ak_" + randomPrefix();
            String token = prefix + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(SECRET_BYTES));
            Instant now = clock.instant();
            int inserted;
            try {
                inserted = jdbc.sql("""
                        insert into api_keys (id, agent_id, prefix, token_hash, created_at) values (?, ?, ?, ?, ?)
                        on conflict (id) do nothing""")
                        .params(keyId, agentId, prefix, sha256(token), now.atOffset(ZoneOffset.UTC))
                        .update();
            } catch (DuplicateKeyException prefixTaken) {
                // 36^8 prefixes: a clash is rare, and drawing again resolves it
                if (attempt == 3) {
                    throw prefixTaken;
                }
                continue;
            }
            return inserted == 1 ? Optional.of(new NewKey(keyId, agentId, prefix, token, now)) : Optional.empty();
        }
    }

    /** Revokes a key of {@code agentId}; false if the agent has no such key. Revoking twice is fine. */
    public boolean revoke(UUID agentId, UUID keyId) {
        int updated = jdbc.sql("update api_keys set revoked_at = coalesce(revoked_at, ?) where id = ? and agent_id = ?")
                .params(clock.instant().atOffset(ZoneOffset.UTC), keyId, agentId)
                .update();
        return updated == 1;
    }

    public List<KeyInfo> keysOf(UUID agentId) {
        return jdbc.sql("select id, prefix, created_at, revoked_at from api_keys where agent_id = ? order by created_at, id")
                .param(agentId)
                .query((rs, n) -> {
                    OffsetDateTime revoked = rs.getObject(4, OffsetDateTime.class);
                    return new KeyInfo(rs.getObject(1, UUID.class), agentId, rs.getString(2),
                            rs.getObject(3, OffsetDateTime.class).toInstant(), revoked == null ? null : revoked.toInstant());
                })
                .list();
    }

    /** Checks a presented agent token; every request does, so a revocation takes effect at once. */
    public Verdict verify(String token) {
        if (!FORMAT.matcher(token).matches()) {
            return new Verdict.Invalid("The API key is malformed");
        }
        String prefix = token.substring(0, PREFIX_LENGTH);
        byte[] presented = sha256(token);
        return jdbc.sql("select id, agent_id, token_hash, revoked_at from api_keys where prefix = ?")
                .param(prefix)
                .query((rs, n) -> {
                    if (!MessageDigest.isEqual(presented, rs.getBytes(3))) {
                        return (Verdict) new Verdict.Invalid("The API key is not valid");
                    }
                    if (rs.getObject(4) != null) {
                        return new Verdict.Invalid("The API key has been revoked");
                    }
                    return new Verdict.Valid(rs.getObject(2, UUID.class), rs.getObject(1, UUID.class));
                })
                .optional()
                .orElseGet(() -> new Verdict.Invalid("The API key is not valid"));
    }

    public static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private String randomPrefix() {
        char[] chars = new char[8];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = PREFIX_ALPHABET[random.nextInt(PREFIX_ALPHABET.length)];
        }
        return new String(chars);
    }

    private byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        random.nextBytes(bytes);
        return bytes;
    }
}
