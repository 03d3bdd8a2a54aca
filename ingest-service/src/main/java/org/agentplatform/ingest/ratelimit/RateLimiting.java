package org.agentplatform.ingest.ratelimit;

import java.io.IOException;
import java.time.Clock;

import org.agentplatform.ingest.actor.Actor;
import org.agentplatform.ingest.web.ProblemResponses;
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
 * Per-caller rate limit, after authentication (so it is keyed by who is calling, not by address): a caller
 * over its budget gets 429 with {@code Retry-After} in whole seconds, before anything is read or published.
 * It is a filter of the API's Spring Security chain (after authentication, see
 * {@code org.agentplatform.ingest.security.ApiSecurity}), not a servlet filter of its own.
 */
@Component
public final class RateLimiting extends OncePerRequestFilter {

    private final boolean enabled;
    private final TokenBuckets buckets;
    private final ProblemResponses problems;

    RateLimiting(RateLimitProperties properties, Clock clock, ProblemResponses problems) {
        this.enabled = properties.enabled();
        this.buckets = new TokenBuckets(properties.capacity(), properties.refillPerSecond(), clock);
        this.problems = problems;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Actor actor = Actor.of(request);
        if (enabled && actor != null) {
            long waitMillis = buckets.tryTake(actor.name());
            if (waitMillis > 0) {
                long seconds = Math.max(1, (waitMillis + 999) / 1000);
                ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.TOO_MANY_REQUESTS,
                        "Too many requests from " + actor.name() + "; retry in " + seconds + " s");
                problem.setTitle("Too Many Requests");
                response.setHeader(HttpHeaders.RETRY_AFTER, String.valueOf(seconds));
                problems.write(request, response, problem);
                return;
            }
        }
        chain.doFilter(request, response);
    }
}
