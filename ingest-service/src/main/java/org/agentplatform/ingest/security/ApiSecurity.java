package org.agentplatform.ingest.security;

import org.agentplatform.ingest.actor.Actor;
import org.agentplatform.ingest.keys.ApiKeys;
import org.agentplatform.ingest.ratelimit.RateLimiting;
import org.agentplatform.ingest.web.ProblemResponses;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.ExceptionTranslationFilter;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.authentication.AuthenticationFilter;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Spring Security for the API: {@code Authorization: Bearer <key>} on every request, the admin key from
 * configuration or an agent's API key ({@link ApiKeyAuthenticationProvider}), with the {@link Actor} as the
 * principal. Missing, unknown and revoked keys are a 401 problem with {@code WWW-Authenticate}
 * ({@link SecurityProblems}). What an authenticated caller may do is decided by the endpoint for now
 * ({@link Actor#requireAdmin} and friends, 403); the roles ({@code ROLE_ADMIN}, {@code ROLE_AGENT}) are
 * there for rules in {@link #api} when a rule by path or method is simpler.
 *
 * <p>Two chains: the health probes, the API description and the error page are open and no key is looked at
 * there (a wrong key or a database outage must not fail a health probe); everything else is the API chain. The
 * open health answers only UP or DOWN (no details: they name the database and the broker); the other actuator
 * endpoints (metrics, prometheus, info) tell a stranger how busy the service is and who calls it, so they are
 * the admin's, with the admin key.
 */
@Configuration(proxyBeanMethods = false)
class ApiSecurity {

    private static final String BEARER = "Bearer ";

    /** Paths no key is needed for. */
    private static final String[] OPEN = { "/actuator/health", "/actuator/health/*", "/v3/api-docs*",
            "/v3/api-docs/**", "/error" };

    @Bean
    @Order(1)
    SecurityFilterChain openEndpoints(HttpSecurity http) throws Exception {
        return stateless(http.securityMatcher(OPEN))
                .authorizeHttpRequests(requests -> requests.anyRequest().permitAll())
                .build();
    }

    @Bean
    @Order(2)
    SecurityFilterChain api(HttpSecurity http, ApiKeyAuthenticationProvider provider, SecurityProblems refusals,
                            RateLimiting rateLimiting) throws Exception {
        AuthenticationFilter authentication = new AuthenticationFilter(new ProviderManager(provider),
                ApiSecurity::presentedKey);
        authentication.setFailureHandler(refusals);
        // on success, carry on with the request (the default would redirect to a saved request)
        authentication.setSuccessHandler((request, response, result) -> { });
        return stateless(http)
                .authorizeHttpRequests(requests -> requests
                        .requestMatchers("/actuator/**", "/admin/**").hasAuthority(ApiKeyAuthentication.ROLE_ADMIN)
                        .anyRequest().authenticated())
                .exceptionHandling(exceptions -> exceptions
                        .authenticationEntryPoint(refusals)
                        .accessDeniedHandler(refusals))
                .addFilterBefore(authentication, AnonymousAuthenticationFilter.class)
                // after authentication, so that the limit is per caller, and before authorization
                .addFilterAfter(rateLimiting, ExceptionTranslationFilter.class)
                .build();
    }

    /**
     * No Micrometer observation per security filter and per authentication: they cost more CPU per request than
     * the checks themselves, and the HTTP server's own observation (http.server.requests) already times every
     * request, refusals included.
     */
    @Bean
    SecurityObservationSettings noSecurityFilterObservations() {
        return SecurityObservationSettings.noObservations();
    }

    @Bean
    SecurityProblems securityProblems(ProblemResponses problems) {
        return new SecurityProblems(problems);
    }

    @Bean
    ApiKeyAuthenticationProvider apiKeyAuthenticationProvider(ApiKeys keys, SecurityProperties properties) {
        return new ApiKeyAuthenticationProvider(keys, properties);
    }

    /** The rate limit runs in the API chain, after authentication, and not once more as a servlet filter. */
    @Bean
    FilterRegistrationBean<RateLimiting> rateLimitingOnlyInTheApiChain(RateLimiting rateLimiting) {
        FilterRegistrationBean<RateLimiting> registration = new FilterRegistrationBean<>(rateLimiting);
        registration.setEnabled(false);
        return registration;
    }

    /**
     * Bearer tokens, no sessions: nothing is kept between requests and a request is not saved to be
     * replayed after a login. CSRF protection is off because no request is authenticated by something a
     * browser sends on its own (a cookie): the key is in the {@code Authorization} header, which a page on
     * another site cannot set. A browser console will get its own chain, with a session and CSRF on.
     */
    private static HttpSecurity stateless(HttpSecurity http) throws Exception {
        return http
                .csrf(AbstractHttpConfigurer::disable)
                .sessionManagement(sessions -> sessions.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .requestCache(AbstractHttpConfigurer::disable)
                .logout(AbstractHttpConfigurer::disable)
                .formLogin(AbstractHttpConfigurer::disable)
                .httpBasic(AbstractHttpConfigurer::disable);
    }

    /** The key of {@code Authorization: Bearer <key>}; null without one, which the entry point answers. */
    private static @Nullable Authentication presentedKey(HttpServletRequest request) {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return null;
        }
        return ApiKeyAuthentication.unauthenticated(header.substring(BEARER.length()).strip());
    }
}
