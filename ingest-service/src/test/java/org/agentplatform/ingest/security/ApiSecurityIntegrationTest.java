package org.agentplatform.ingest.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import org.agentplatform.ingest.AbstractIngestIntegrationTest;
import org.agentplatform.ingest.actor.Actor;
import org.agentplatform.ingest.keys.ApiKeys.NewKey;
import org.agentplatform.ingest.keys.ApiKeys;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.web.servlet.client.EntityExchangeResult;
import org.springframework.test.web.servlet.client.RestTestClient;

/**
 * The Spring Security plumbing of the API: the refusals are problems with the same challenges as ever, open
 * paths take no key, and the rate limit applies per caller after authentication. Keys are made with
 * {@link ApiKeys} directly: no agent needs to exist for its key to work.
 */
@TestPropertySource(properties = {
        "ingest.rate-limit.capacity=10",
        "ingest.rate-limit.refill-per-second=0.5" })
class ApiSecurityIntegrationTest extends AbstractIngestIntegrationTest {

    @Autowired
    ApiKeyAuthenticationProvider provider;

    @Autowired
    SecurityProblems refusals;

    RestTestClient http;

    @BeforeEach
    void client() {
        http = RestTestClient.bindToServer().baseUrl("http://localhost:" + port).build();
    }

    @Test
    void withoutAKeyA401WithABearerChallenge() {
        http.get().uri("/commands/{id}", UUID.randomUUID()).exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"agent-platform\"")
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.status").isEqualTo(401)
                .jsonPath("$.title").isEqualTo("Unauthorized")
                .jsonPath("$.detail").isEqualTo("An API key is required: Authorization: Bearer <key>")
                .jsonPath("$.instance").value(instance -> assertThat(instance.toString()).startsWith("/commands/"));
        // another scheme is no key either, and no session is started
        http.get().uri("/commands/{id}", UUID.randomUUID()).header(HttpHeaders.AUTHORIZATION, "Basic YWRtaW46YWRtaW4=")
                .exchange()
                .expectStatus().isUnauthorized()
                .expectHeader().valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"agent-platform\"")
                .expectHeader().doesNotExist(HttpHeaders.SET_COOKIE);
    }

    @Test
    void aRevokedKeyIsA401InvalidToken() {
        NewKey key = keys.create(UUID.randomUUID());
        // authenticated: a command id that is not the caller's is a 404, not a 401
        get("/commands/{id}", key.apiKey()).expectStatus().isNotFound();
        assertThat(keys.revoke(key.agentId(), key.keyId())).isTrue();

        get("/commands/{id}", key.apiKey())
                .expectStatus().isUnauthorized()
                .expectHeader().valueEquals(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"agent-platform\", "
                        + "error=\"invalid_token\", error_description=\"The API key has been revoked\"")
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.status").isEqualTo(401)
                .jsonPath("$.detail").isEqualTo("The API key has been revoked");
        get("/commands/{id}", "ak_abcdefgh_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
                .expectStatus().isUnauthorized()
                .expectHeader().value(HttpHeaders.WWW_AUTHENTICATE, challenge -> assertThat(challenge)
                        .contains("error=\"invalid_token\"").contains("The API key is not valid"));
    }

    @Test
    void anAdminEndpointWithAnAgentKeyIsA403Problem() {
        NewKey key = keys.create(UUID.randomUUID());
        http.post().uri("/karma/grants").contentType(MediaType.APPLICATION_JSON)
                .headers(h -> h.setBearerAuth(key.apiKey()))
                .body("{\"accountId\":\"" + UUID.randomUUID() + "\",\"amount\":10}")
                .exchange()
                .expectStatus().isForbidden()
                .expectHeader().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody()
                .jsonPath("$.status").isEqualTo(403)
                .jsonPath("$.title").isEqualTo("Forbidden");
    }

    @Test
    void theRolesAreGrantedAuthorities() {
        NewKey key = keys.create(UUID.randomUUID());
        assertThat(provider.authenticate(ApiKeyAuthentication.unauthenticated(ADMIN)).getAuthorities())
                .extracting(GrantedAuthority::getAuthority).containsExactly("ROLE_ADMIN");
        Authentication agent = provider.authenticate(ApiKeyAuthentication.unauthenticated(key.apiKey()));
        assertThat(agent.getAuthorities()).extracting(GrantedAuthority::getAuthority).containsExactly("ROLE_AGENT");
        assertThat(agent.getPrincipal()).isEqualTo(Actor.agent(key.agentId(), key.keyId()));
        assertThat(agent.getCredentials()).as("the key is not kept").isNull();
    }

    @Test
    void anAuthorizationRuleRefusalIsA403Problem() throws Exception {
        // no rule refuses an authenticated caller yet (the endpoints check the Actor): the handler on its own
        MockHttpServletRequest request = new MockHttpServletRequest("DELETE", "/somewhere");
        MockHttpServletResponse response = new MockHttpServletResponse();
        refusals.handle(request, response, new AccessDeniedException("Access Denied"));
        assertThat(response.getStatus()).isEqualTo(HttpStatus.FORBIDDEN.value());
        assertThat(response.getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        assertThat(response.getContentAsString()).contains("\"status\":403").contains("\"title\":\"Forbidden\"")
                .contains("\"instance\":\"/somewhere\"");
    }

    @Test
    void overItsRateACallerGetsA429WithRetryAfterWhileOthersGoOn() {
        NewKey key = keys.create(UUID.randomUUID());
        EntityExchangeResult<byte[]> limited = null;
        for (int i = 0; i < 30 && limited == null; i++) {
            EntityExchangeResult<byte[]> result = get("/commands/{id}", key.apiKey()).expectBody().returnResult();
            if (result.getStatus().value() == 429) {
                limited = result;
            } else {
                assertThat(result.getStatus().value()).as("authenticated, and no such command of the caller's")
                        .isEqualTo(404);
            }
        }
        assertThat(limited).as("a 429 within 30 requests at a burst of 10").isNotNull();
        assertThat(Long.parseLong(limited.getResponseHeaders().getFirst(HttpHeaders.RETRY_AFTER))).isBetween(1L, 2L);
        assertThat(limited.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(new String(limited.getResponseBody())).contains("\"status\":429")
                .contains("Too many requests from " + key.agentId());
        // the limit is per caller
        get("/commands/{id}", keys.create(UUID.randomUUID()).apiKey()).expectStatus().isNotFound();
    }

    @Test
    void healthAndTheApiDescriptionAreOpenAndLookAtNoKey() {
        EntityExchangeResult<String> health = http.get().uri("/actuator/health").exchange()
                .expectStatus().isOk()
                .expectHeader().doesNotExist(HttpHeaders.WWW_AUTHENTICATE)
                .expectBody(String.class).returnResult();
        assertThat(health.getResponseBody()).as("status only, no components for a stranger")
                .contains("\"status\":\"UP\"").doesNotContain("components").doesNotContain("db");
        http.get().uri("/actuator/health/liveness").headers(h -> h.setBearerAuth("not-a-key")).exchange()
                .expectStatus().isOk();
        http.get().uri("/v3/api-docs").exchange().expectStatus().isOk();
    }

    @Test
    void metricsAndTheOtherActuatorEndpointsAreTheAdmins() {
        for (String path : new String[] { "/actuator/prometheus", "/actuator/metrics", "/actuator/info" }) {
            http.get().uri(path).exchange().expectStatus().isUnauthorized();
            get(path, keys.create(UUID.randomUUID()).apiKey()).expectStatus().isForbidden()
                    .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON);
        }
        get("/actuator/prometheus", ADMIN).expectStatus().isOk().expectBody(String.class)
                .value(body -> assertThat(body).contains("jvm_memory_used_bytes"));
    }

    private RestTestClient.ResponseSpec get(String path, String key) {
        return http.get().uri(path, UUID.randomUUID()).headers(h -> h.setBearerAuth(key)).exchange();
    }
}
