package org.agentplatform.ingest.security;

import java.security.MessageDigest;
import java.util.Objects;

import org.agentplatform.ingest.actor.Actor;
import org.agentplatform.ingest.keys.ApiKeys;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;

/**
 * Checks a presented API key: the admin key from configuration (compared by hash, in constant time), else
 * an agent's key through {@link ApiKeys#verify}, which every request does, so a revocation takes effect at
 * once. A wrong, unknown or revoked key is an {@link InvalidApiKeyException}; a database that cannot be
 * asked is a {@link KeysUnavailableException}, not a 401.
 */
final class ApiKeyAuthenticationProvider implements AuthenticationProvider {

    private static final Logger log = LoggerFactory.getLogger(ApiKeyAuthenticationProvider.class);

    private final ApiKeys keys;
    /** Only the hash of the admin key is kept, so that comparing it is constant time like the agents' keys. */
    private final byte @Nullable [] adminKeyHash;

    ApiKeyAuthenticationProvider(ApiKeys keys, SecurityProperties properties) {
        this.keys = keys;
        String adminKey = properties.adminKey();
        this.adminKeyHash = adminKey == null || adminKey.isBlank() ? null : ApiKeys.sha256(adminKey.strip());
        if (adminKeyHash == null) {
            log.warn("ingest.security.admin-key is not set: there is no admin, so no agent can be registered");
        }
    }

    @Override
    public Authentication authenticate(Authentication authentication) {
        String token = ((ApiKeyAuthentication) authentication).getCredentials();
        if (token == null) {
            throw new InvalidApiKeyException("The API key is not valid");
        }
        if (adminKeyHash != null && MessageDigest.isEqual(adminKeyHash, ApiKeys.sha256(token))) {
            return ApiKeyAuthentication.authenticated(Actor.admin());
        }
        ApiKeys.Verdict verdict;
        try {
            verdict = keys.verify(token);
        } catch (DataAccessException e) {
            log.warn("Cannot check an API key: {}", e.toString());
            throw new KeysUnavailableException(e);
        }
        if (verdict instanceof ApiKeys.Verdict.Invalid invalid) {
            throw new InvalidApiKeyException(invalid.reason());
        }
        ApiKeys.Verdict.Valid valid = (ApiKeys.Verdict.Valid) verdict;
        return ApiKeyAuthentication.authenticated(Actor.agent(valid.agentId(), valid.keyId()));
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return ApiKeyAuthentication.class.isAssignableFrom(authentication);
    }

    /** A key that is malformed, unknown, wrong or revoked; the message is the reason given to the caller. */
    static final class InvalidApiKeyException extends BadCredentialsException {

        private static final long serialVersionUID = 1L;

        InvalidApiKeyException(String reason) {
            super(reason);
        }

        /** The reason it was made with; never null. */
        @Override
        public String getMessage() {
            return Objects.requireNonNull(super.getMessage(), "reason");
        }
    }

    /** The keys cannot be checked at the moment (the database): a 503, the caller may retry. */
    static final class KeysUnavailableException extends AuthenticationServiceException {

        private static final long serialVersionUID = 1L;

        KeysUnavailableException(DataAccessException cause) {
            super("API keys cannot be checked at the moment", cause);
        }
    }
}
