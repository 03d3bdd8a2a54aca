package org.agentplatform.ingest.security;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;

import org.agentplatform.ingest.actor.Actor;
import org.agentplatform.ingest.ratelimit.TokenBuckets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.AuthenticationServiceException;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.security.web.authentication.AuthenticationFailureHandler;
import org.springframework.security.web.authentication.SimpleUrlAuthenticationSuccessHandler;
import org.springframework.security.web.authentication.UsernamePasswordAuthenticationFilter;
import org.springframework.security.web.csrf.CsrfException;
import org.springframework.web.filter.OncePerRequestFilter;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

/**
 * The admin console's chain, before the API's: a browser sends its credential on its own (the session cookie),
 * so unlike the API this chain has a server-side session and CSRF protection (Spring Security's default: a token
 * in every form, and in htmx's {@code X-CSRF-TOKEN} header). The login form takes the admin key only (there is
 * one admin, so no user name); an agent's key, valid for the API, does not log in. The session cookie is
 * {@code console-session}, for {@code /console} only, HttpOnly, SameSite=Strict and Secure
 * ({@code server.servlet.session.cookie.*} in ingest-service.yml).
 */
@Configuration(proxyBeanMethods = false)
class ConsoleSecurity {

    private static final Logger log = LoggerFactory.getLogger(ConsoleSecurity.class);

    static final String LOGIN = "/console/login";

    @Bean
    @Order(0)
    SecurityFilterChain console(HttpSecurity http, ApiKeyAuthenticationProvider keys, SecurityProperties properties,
                                Clock clock) throws Exception {
        return http
                .securityMatcher("/console", "/console/**", "/webjars/**")
                .authenticationManager(new ProviderManager(new AdminKeyLogin(keys)))
                .authorizeHttpRequests(requests -> requests
                        .requestMatchers(LOGIN, "/console/assets/**", "/webjars/**").permitAll()
                        .anyRequest().hasAuthority(ApiKeyAuthentication.ROLE_ADMIN))
                .formLogin(form -> form
                        .loginPage(LOGIN)
                        .passwordParameter("key")
                        .successHandler(new LoggedIn())
                        .failureHandler(new LoginRefused()))
                // after login always the overview: a saved request would only cost every stranger's visit a session
                .requestCache(cache -> cache.disable())
                .addFilterBefore(new LoginThrottle(new TokenBuckets(properties.consoleLoginAttempts(),
                        properties.consoleLoginAttempts() / 60.0, clock)), UsernamePasswordAuthenticationFilter.class)
                .addFilterBefore(new SessionLifetime(properties.consoleSessionMaxAge(), clock), AuthorizationFilter.class)
                // a form posted with a session that is gone (expired, the service restarted) has no token to match:
                // back to the login form, which says so, rather than a bare 403
                .exceptionHandling(exceptions -> exceptions.accessDeniedHandler((request, response, denied) -> {
                    if (denied instanceof CsrfException && !request.isRequestedSessionIdValid()) {
                        toLogin(request, response, "expired");
                    } else {
                        response.sendError(HttpServletResponse.SC_FORBIDDEN);
                    }
                }))
                .logout(logout -> logout.logoutUrl("/console/logout").logoutSuccessUrl(LOGIN + "?logout"))
                // the pages need nothing from elsewhere: scripts, styles and images are this service's own files
                .headers(headers -> headers.contentSecurityPolicy(csp -> csp.policyDirectives(
                        "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")))
                .build();
    }

    /** Back to the login form, whose {@code why} parameter picks the message it shows. */
    static void toLogin(HttpServletRequest request, HttpServletResponse response, String why) throws IOException {
        response.sendRedirect(request.getContextPath() + LOGIN + "?" + why);
    }

    /**
     * The password is the admin key, checked as the API checks it ({@link ApiKeyAuthenticationProvider}, which
     * compares hashes in constant time); an agent key is as wrong as an unknown one. The session then holds the
     * same authentication the API would have, so the console's command handlers see {@link Actor#admin()}.
     */
    static final class AdminKeyLogin implements AuthenticationProvider {

        private final ApiKeyAuthenticationProvider keys;

        AdminKeyLogin(ApiKeyAuthenticationProvider keys) {
            this.keys = keys;
        }

        @Override
        public Authentication authenticate(Authentication login) {
            Object key = login.getCredentials();
            if (!(key instanceof String text) || text.isBlank()) {
                throw new BadCredentialsException("No key given");
            }
            Authentication checked = keys.authenticate(ApiKeyAuthentication.unauthenticated(text.strip()));
            if (!(checked.getPrincipal() instanceof Actor actor) || !actor.isAdmin()) {
                throw new BadCredentialsException("Not the admin key");
            }
            return checked;
        }

        @Override
        public boolean supports(Class<?> authentication) {
            return UsernamePasswordAuthenticationToken.class.isAssignableFrom(authentication);
        }
    }

    /**
     * Login attempts per caller address, before the key is checked: past the limit the form says to wait, and
     * the key is not looked at. Per instance, in memory (as the API's rate limit).
     */
    static final class LoginThrottle extends OncePerRequestFilter {

        private final TokenBuckets attempts;

        LoginThrottle(TokenBuckets attempts) {
            this.attempts = attempts;
        }

        @Override
        protected boolean shouldNotFilter(HttpServletRequest request) {
            return !("POST".equals(request.getMethod()) && LOGIN.equals(request.getServletPath()));
        }

        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            long waitMillis = attempts.tryTake(request.getRemoteAddr());
            if (waitMillis > 0) {
                log.warn("Console login from {} throttled for {} ms", request.getRemoteAddr(), waitMillis);
                response.setHeader("Retry-After", String.valueOf((waitMillis + 999) / 1000));
                toLogin(request, response, "throttled");
                return;
            }
            chain.doFilter(request, response);
        }
    }

    /**
     * Ends a session older than {@code maxAge} (from its creation, which is the login form's: the login keeps the
     * session and changes its id), whatever its activity: back to the login form, which says so.
     */
    static final class SessionLifetime extends OncePerRequestFilter {

        private final Duration maxAge;
        private final Clock clock;

        SessionLifetime(Duration maxAge, Clock clock) {
            this.maxAge = maxAge;
            this.clock = clock;
        }

        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            HttpSession session = request.getSession(false);
            if (session != null && clock.millis() - session.getCreationTime() > maxAge.toMillis()) {
                session.invalidate();
                SecurityContextHolder.clearContext();
                toLogin(request, response, "expired");
                return;
            }
            chain.doFilter(request, response);
        }
    }

    /** To the overview, logged: who holds the admin key is worth knowing afterwards. */
    static final class LoggedIn extends SimpleUrlAuthenticationSuccessHandler {

        LoggedIn() {
            super("/console");
            setAlwaysUseDefaultTargetUrl(true);
        }

        @Override
        public void onAuthenticationSuccess(HttpServletRequest request, HttpServletResponse response,
                                            Authentication authentication) throws IOException, ServletException {
            log.info("Console login by the admin from {}", request.getRemoteAddr());
            super.onAuthenticationSuccess(request, response, authentication);
        }
    }

    /** Back to the form with a message: a wrong key, or keys that cannot be checked now (the database). Logged. */
    static final class LoginRefused implements AuthenticationFailureHandler {

        @Override
        public void onAuthenticationFailure(HttpServletRequest request, HttpServletResponse response,
                                            AuthenticationException exception) throws IOException {
            boolean unavailable = exception instanceof AuthenticationServiceException;
            log.warn("Console login refused from {}: {}", request.getRemoteAddr(), exception.getMessage());
            toLogin(request, response, unavailable ? "unavailable" : "error");
        }
    }
}
