package org.agentplatform.ingest.security;

import java.util.List;

import org.agentplatform.ingest.actor.Actor;
import org.jspecify.annotations.Nullable;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * An API key from {@code Authorization: Bearer <key>}, and once {@link ApiKeyAuthenticationProvider} has
 * checked it, the caller it belongs to: the {@link Actor} is the principal, with {@link #ROLE_ADMIN} or
 * {@link #ROLE_AGENT} as its authority so that Spring Security's authorization rules can tell them apart.
 * The key itself is not kept in an authenticated instance.
 */
final class ApiKeyAuthentication extends AbstractAuthenticationToken {

    private static final long serialVersionUID = 1L;

    static final String ROLE_ADMIN = "ROLE_ADMIN";
    static final String ROLE_AGENT = "ROLE_AGENT";

    private final transient @Nullable Actor actor;
    private @Nullable String key;

    private ApiKeyAuthentication(String key) {
        super(List.of());
        this.key = key;
        this.actor = null;
    }

    private ApiKeyAuthentication(Actor actor) {
        super(List.of(new SimpleGrantedAuthority(actor.isAdmin() ? ROLE_ADMIN : ROLE_AGENT)));
        this.key = null;
        this.actor = actor;
        super.setAuthenticated(true);
    }

    /** A presented key, not checked yet. */
    static ApiKeyAuthentication unauthenticated(String key) {
        return new ApiKeyAuthentication(key);
    }

    /** The caller a checked key belongs to. */
    static ApiKeyAuthentication authenticated(Actor actor) {
        return new ApiKeyAuthentication(actor);
    }

    /** The presented key; null once checked. */
    @Override
    public @Nullable String getCredentials() {
        return key;
    }

    /** The {@link Actor}; null until the key is checked (the key is not a name to log). */
    @Override
    public @Nullable Actor getPrincipal() {
        return actor;
    }

    @Override
    public String getName() {
        return actor == null ? "" : actor.name();
    }

    @Override
    public void setAuthenticated(boolean authenticated) {
        if (authenticated) {
            throw new IllegalArgumentException("Only ApiKeyAuthenticationProvider authenticates an API key");
        }
        super.setAuthenticated(false);
    }

    @Override
    public void eraseCredentials() {
        super.eraseCredentials();
        key = null;
    }
}
