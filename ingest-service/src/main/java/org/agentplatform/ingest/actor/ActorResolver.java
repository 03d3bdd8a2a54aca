package org.agentplatform.ingest.actor;

import java.util.List;
import java.util.Objects;

import org.jspecify.annotations.Nullable;
import org.springframework.core.MethodParameter;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

import jakarta.servlet.http.HttpServletRequest;

/**
 * Hands controllers the caller that Spring Security authenticated ({@link ApiSecurity}): the {@link Actor}
 * principal of the security context. It registers itself with Spring MVC as a {@link WebMvcConfigurer}.
 */
@Component
class ActorResolver implements HandlerMethodArgumentResolver, WebMvcConfigurer {

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return Actor.class.equals(parameter.getParameterType());
    }

    @Override
    public Actor resolveArgument(MethodParameter parameter, @Nullable ModelAndViewContainer mavContainer,
                                 NativeWebRequest request, @Nullable WebDataBinderFactory binderFactory) {
        // Spring MVC on the servlet stack: every request it hands a resolver wraps an HttpServletRequest
        return Actor.authenticated(Objects.requireNonNull(request.getNativeRequest(HttpServletRequest.class),
                "servlet request"));
    }

    @Override
    public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
        resolvers.add(this);
    }
}
