package org.agentplatform.ingest.actor;

import java.io.IOException;
import java.security.MessageDigest;

import org.agentplatform.ingest.keys.ApiKeys;
import org.agentplatform.ingest.web.ProblemResponses;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.dao.DataAccessException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * {@code Authorization: Bearer <key>} on every API request: the admin key from configuration or an agent's
 * API key. Missing, unknown and revoked keys are a 401 problem with {@code WWW-Authenticate}; what an
 * authenticated caller may do is decided by the endpoint ({@link Actor#requireAdmin} and friends, 403).
 * A small filter rather than Spring Security: two kinds of caller and one header do not need a framework.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
class ApiKeyAuthentication extends OncePerRequestFilter {

    private static final Logger log = LoggerFactory.getLogger(ApiKeyAuthentication.class);
    private static final String REALM = "Bearer realm=\"agent-platform\"";
    private static final String BEARER = "Bearer ";

    private final ApiKeys keys;
    private final ProblemResponses problems;
    /** Only the hash of the admin key is kept, so that comparing it is constant time like the agents' keys. */
    private final byte @Nullable [] adminKeyHash;

    ApiKeyAuthentication(ApiKeys keys, ProblemResponses problems, SecurityProperties properties) {
        this.keys = keys;
        this.problems = problems;
        String adminKey = properties.adminKey();
        this.adminKeyHash = adminKey == null || adminKey.isBlank() ? null : ApiKeys.sha256(adminKey.strip());
        if (adminKeyHash == null) {
            log.warn("ingest.security.admin-key is not set: there is no admin, so no agent can be registered");
        }
    }

    /** Health, metrics and the API description are open; everything else needs a key. */
    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        return path.startsWith("/actuator/") || path.equals("/actuator") || path.startsWith("/v3/api-docs")
                || path.equals("/error");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            unauthorized(request, response, REALM, "An API key is required: Authorization: Bearer <key>");
            return;
        }
        String token = header.substring(BEARER.length()).strip();
        Actor actor;
        if (adminKeyHash != null && MessageDigest.isEqual(adminKeyHash, ApiKeys.sha256(token))) {
            actor = Actor.admin();
        } else {
            ApiKeys.Verdict verdict;
            try {
                verdict = keys.verify(token);
            } catch (DataAccessException e) {
                log.warn("Cannot check an API key: {}", e.toString());
                ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
                        "API keys cannot be checked at the moment");
                problem.setTitle("Database unavailable");
                response.setHeader(HttpHeaders.RETRY_AFTER, "5");
                problems.write(request, response, problem);
                return;
            }
            if (verdict instanceof ApiKeys.Verdict.Invalid invalid) {
                unauthorized(request, response, REALM + ", error=\"invalid_token\", error_description=\""
                        + invalid.reason() + "\"", invalid.reason());
                return;
            }
            ApiKeys.Verdict.Valid valid = (ApiKeys.Verdict.Valid) verdict;
            actor = Actor.agent(valid.agentId(), valid.keyId());
        }
        request.setAttribute(Actor.ATTRIBUTE, actor);
        chain.doFilter(request, response);
    }

    private void unauthorized(HttpServletRequest request, HttpServletResponse response, String challenge, String detail)
            throws IOException {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.UNAUTHORIZED, detail);
        problem.setTitle("Unauthorized");
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE, challenge);
        problems.write(request, response, problem);
    }
}
