package org.agentplatform.ingest.actor;

import java.util.List;

import org.springframework.core.MethodParameter;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The one place that decides who is calling. For now the caller names itself in {@code X-Actor}
 * (anonymous without it); API-key authentication replaces this resolver and nothing else. It registers
 * itself with Spring MVC as a {@link WebMvcConfigurer}.
 */
@Component
class ActorResolver implements HandlerMethodArgumentResolver, WebMvcConfigurer {

    static final String HEADER = "X-Actor";
    private static final int MAX_LENGTH = 200;

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return Actor.class.equals(parameter.getParameterType());
    }

    @Override
    public Actor resolveArgument(MethodParameter parameter, ModelAndViewContainer mavContainer,
                                 NativeWebRequest request, WebDataBinderFactory binderFactory) {
        String name = request.getHeader(HEADER);
        if (name == null || name.isBlank()) {
            return Actor.ANONYMOUS;
        }
        name = name.strip();
        if (name.length() > MAX_LENGTH || !name.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new ErrorResponseException(HttpStatus.BAD_REQUEST, ProblemDetail.forStatusAndDetail(
                    HttpStatus.BAD_REQUEST, HEADER + " must be 1 to " + MAX_LENGTH + " visible ASCII characters"), null);
        }
        return new Actor(name);
    }

    @Override
    public void addArgumentResolvers(List<HandlerMethodArgumentResolver> resolvers) {
        resolvers.add(this);
    }
}
