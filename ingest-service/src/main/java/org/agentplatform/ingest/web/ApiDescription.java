package org.agentplatform.ingest.web;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;

/** The OpenAPI description at {@code /v3/api-docs}, served without a key (it holds nothing secret). */
@Configuration(proxyBeanMethods = false)
class ApiDescription {

    @Bean
    OpenAPI ingestApi() {
        return new OpenAPI()
                .info(new Info().title("Agent platform ingest API").version("1")
                        .description("""
                                Commands are validated, published to Kafka and answered with 202 and the command id once \
                                the broker acknowledged them; their outcome is at /commands/{id}, visible to their issuer \
                                and the admin. A registration (POST /agents) waits for its outcome: 201 with the agent's key, \
                                409 if rejected, 202 without a key if the ledger did not answer in time. Authenticate with \
                                'Authorization: Bearer <API key>'. Send an Idempotency-Key header to retry safely: a retry \
                                gets the original answer, the same key with another request is a 409. Errors are RFC 9457 \
                                problem documents; 429 and 503 carry Retry-After."""))
                .components(new Components().addSecuritySchemes("apiKey",
                        new SecurityScheme().type(SecurityScheme.Type.HTTP).scheme("bearer")
                                .description("An agent's API key (ak_...) or the admin key")))
                .addSecurityItem(new SecurityRequirement().addList("apiKey"));
    }
}
