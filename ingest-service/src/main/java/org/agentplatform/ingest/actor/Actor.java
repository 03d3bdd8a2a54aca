package org.agentplatform.ingest.actor;

import java.util.Objects;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.ErrorResponseException;

import io.swagger.v3.oas.annotations.Hidden;

/**
 * The authenticated caller: the admin (configured key) or an agent (one of its API keys). Its {@link #name()}
 * goes into the envelope's {@code actor} and scopes idempotency keys. It is the principal of Spring Security's
 * authentication ({@code security.ApiSecurity}); controllers take it as a parameter, resolved by {@link ActorResolver}.
 * Hidden from the API description: it comes from the {@code Authorization} header, not from a query parameter.
 */
@Hidden
public record Actor(String name, @Nullable UUID agentId, @Nullable UUID keyId) {

    public static final String ADMIN_NAME = "admin";

    public Actor {
        Objects.requireNonNull(name, "name");
    }

    /**
     * The caller of an authenticated request, for filters that run after authentication: the principal of
     * the security context of the request being handled (Spring Security keeps it for the request's thread).
     */
    public static @Nullable Actor of(jakarta.servlet.http.HttpServletRequest request) {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        return authentication != null && authentication.isAuthenticated()
                && authentication.getPrincipal() instanceof Actor actor ? actor : null;
    }

    /**
     * The caller of a request a handler serves: a handler on a path the API chain leaves open must not act for
     * anyone, so without an authenticated caller this fails closed with a 401.
     */
    public static Actor authenticated(jakarta.servlet.http.HttpServletRequest request) {
        Actor actor = of(request);
        if (actor != null) {
            return actor;
        }
        throw new ErrorResponseException(HttpStatus.UNAUTHORIZED,
                ProblemDetail.forStatusAndDetail(HttpStatus.UNAUTHORIZED, "Authentication required"), null);
    }

    public static Actor admin() {
        return new Actor(ADMIN_NAME, null, null);
    }

    public static Actor agent(UUID agentId, UUID keyId) {
        return new Actor(agentId.toString(), agentId, keyId);
    }

    public boolean isAdmin() {
        return agentId == null;
    }

    /** Whether the caller is the agent {@code agentId} (false for the admin and for null). */
    public boolean isAgent(@Nullable UUID agentId) {
        return agentId != null && agentId.equals(this.agentId);
    }

    /** Admin commands: registering, granting, suspending, reactivating. */
    public void requireAdmin(String what) {
        if (!isAdmin()) {
            throw forbidden(what + " needs the admin role");
        }
    }

    /** An agent acts only as itself; the admin is not an agent and has no account to act from. */
    public void requireSelf(UUID agentId, String what) {
        if (!agentId.equals(this.agentId)) {
            throw forbidden(what + " must be the calling agent" + (isAdmin() ? " (the admin is not an agent)" : ""));
        }
    }

    /** The agent itself or the admin: managing an agent's keys, reading its account. */
    public void requireSelfOrAdmin(UUID agentId, String what) {
        if (!isAdmin() && !agentId.equals(this.agentId)) {
            throw forbidden(what + " is only open to agent " + agentId + " itself or the admin");
        }
    }

    public static ErrorResponseException forbidden(String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.FORBIDDEN, detail);
        problem.setTitle("Forbidden");
        return new ErrorResponseException(HttpStatus.FORBIDDEN, problem, null);
    }
}
