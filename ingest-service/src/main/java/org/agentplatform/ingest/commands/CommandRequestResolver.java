package org.agentplatform.ingest.commands;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

import org.agentplatform.ingest.actor.Actor;
import org.jspecify.annotations.Nullable;
import org.springdoc.core.customizers.OperationCustomizer;
import org.springframework.core.MethodParameter;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.parameters.HeaderParameter;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Hands command endpoints their {@link CommandRequest}, and says in the API description that each of them takes
 * an {@code Idempotency-Key} header: the header is read here, not declared on every handler.
 */
@Component
class CommandRequestResolver implements HandlerMethodArgumentResolver, WebMvcConfigurer, OperationCustomizer {

    private final Idempotency idempotency;
    private final CommandPublisher publisher;

    CommandRequestResolver(Idempotency idempotency, CommandPublisher publisher) {
        this.idempotency = idempotency;
        this.publisher = publisher;
    }

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return CommandRequest.class.equals(parameter.getParameterType());
    }

    @Override
    public CommandRequest resolveArgument(MethodParameter parameter, @Nullable ModelAndViewContainer mavContainer,
                                          NativeWebRequest request, @Nullable WebDataBinderFactory binderFactory) {
        // Spring MVC on the servlet stack: every request it hands a resolver wraps an HttpServletRequest
        HttpServletRequest http = Objects.requireNonNull(request.getNativeRequest(HttpServletRequest.class),
                "servlet request");
        return new CommandRequest(Actor.authenticated(http), idempotencyKey(request), http, idempotency, publisher);
    }

    /** As {@code @RequestHeader String} binds it: absent is null, a repeated header its values joined by commas. */
    private static @Nullable String idempotencyKey(NativeWebRequest request) {
        String[] values = request.getHeaderValues(CommandIds.IDEMPOTENCY_KEY);
        return values == null ? null : String.join(",", values);
    }

    @Override
    public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
        resolvers.add(this);
    }

    @Override
    public Operation customize(Operation operation, HandlerMethod handler) {
        if (Arrays.stream(handler.getMethodParameters()).anyMatch(this::supportsParameter)) {
            operation.addParametersItem(new HeaderParameter().name(CommandIds.IDEMPOTENCY_KEY).required(false)
                    .schema(new StringSchema()));
        }
        return operation;
    }
}
