package org.agentplatform.ingest.security;

import java.io.IOException;

import org.agentplatform.ingest.actor.Actor;
import org.agentplatform.ingest.security.ApiKeyAuthenticationProvider.InvalidApiKeyException;
import org.agentplatform.ingest.security.ApiKeyAuthenticationProvider.KeysUnavailableException;
import org.agentplatform.ingest.web.ProblemResponses;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.authentication.AuthenticationFailureHandler;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Spring Security's refusals as RFC 9457 problems: no key is a 401 with a {@code Bearer} challenge, a key
 * that does not check out a 401 with {@code error="invalid_token"} and the reason, keys that cannot be checked
 * a 503 with {@code Retry-After}, and an authenticated caller refused by an authorization rule a 403.
 */
final class SecurityProblems implements AuthenticationEntryPoint, AuthenticationFailureHandler, AccessDeniedHandler {

    static final String REALM = "Bearer realm=\"agent-platform\"";

    /** The connection pool gives up after 5 s; a retry sooner than that finds it in the same state. */
    private static final String KEYS_RETRY_AFTER_SECONDS = "5";

    private final ProblemResponses problems;

    SecurityProblems(ProblemResponses problems) {
        this.problems = problems;
    }

    /** No authentication: the request had no bearer key (or an authentication filter failed, see below). */
    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
            throws IOException {
        if (e instanceof KeysUnavailableException) {
            ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
                    "API keys cannot be checked at the moment");
            problem.setTitle("Database unavailable");
            response.setHeader(HttpHeaders.RETRY_AFTER, KEYS_RETRY_AFTER_SECONDS);
            problems.write(request, response, problem);
        } else if (e instanceof InvalidApiKeyException invalid) {
            unauthorized(request, response, REALM + ", error=\"invalid_token\", error_description=\""
                    + invalid.getMessage() + "\"", invalid.getMessage());
        } else {
            unauthorized(request, response, REALM, "An API key is required: Authorization: Bearer <key>");
        }
    }

    /** A presented key that did not authenticate. */
    @Override
    public void onAuthenticationFailure(HttpServletRequest request, HttpServletResponse response,
                                        AuthenticationException e) throws IOException {
        commence(request, response, e);
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException e)
            throws IOException {
        Actor actor = Actor.of(request);
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.FORBIDDEN,
                actor == null ? "Access denied" : "Access denied to " + actor.name());
        problem.setTitle("Forbidden");
        problems.write(request, response, problem);
    }

    private void unauthorized(HttpServletRequest request, HttpServletResponse response, String challenge, String detail)
            throws IOException {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.UNAUTHORIZED, detail);
        problem.setTitle("Unauthorized");
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE, challenge);
        problems.write(request, response, problem);
    }
}
