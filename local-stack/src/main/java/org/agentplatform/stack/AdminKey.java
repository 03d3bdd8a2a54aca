package org.agentplatform.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The local stack's admin key: {@code INGEST_ADMIN_KEY} when set, otherwise a random key made on the first
 * run and kept (owner-only) in the data directory, so it survives restarts like the data does.
 */
final class AdminKey {

    private AdminKey() {
    }

    static String loadOrCreate(Path dataDir) {
        String fromEnvironment = System.getenv("INGEST_ADMIN_KEY");
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return fromEnvironment.strip();
        }
        Path file = dataDir.resolve("admin.key");
        try {
            if (Files.exists(file)) {
                return Files.readString(file, StandardCharsets.UTF_8).strip();
            }
            byte[] secret = new byte[32];
            new SecureRandom().nextBytes(secret);
            String key = "admin_" + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
            Files.createDirectories(dataDir);
            Files.writeString(file, key + "\n", StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            return key;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep the admin key in " + file, e);
        }
    }
}
