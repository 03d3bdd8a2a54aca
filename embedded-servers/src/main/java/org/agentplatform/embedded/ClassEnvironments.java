package org.agentplatform.embedded;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.MergedContextConfiguration;

/**
 * One {@link TestEnvironment} per test class, made by {@link TestServers#newEnvironment()} the first time the
 * class asks for it: what a per-class {@code static final TestEnvironment env = TestServers.newEnvironment()}
 * gives, but reachable from an abstract base class, whose static fields and {@code @DynamicPropertySource}
 * methods would be one for all its subclasses.
 *
 * <p>For a Spring test, declare {@code @ContextCustomizerFactories(ClassEnvironments.class)} (on a base class it
 * serves every subclass): each test class's application context then gets its own environment's
 * {@link TestEnvironment#springProperties()} ahead of its configuration files and test properties, as
 * {@code @DynamicPropertySource} with {@link TestEnvironment#register} would give them. The class is part of the
 * context's cache key, so two test classes never share a context, nor a database or topic prefix.
 */
public final class ClassEnvironments implements ContextCustomizerFactory {

    private static final Map<Class<?>, TestEnvironment> ENVIRONMENTS = new ConcurrentHashMap<>();

    /** The environment of {@code testClass}: made (and the servers started, if need be) on the first call. */
    public static TestEnvironment of(Class<?> testClass) {
        return ENVIRONMENTS.computeIfAbsent(testClass, c -> TestServers.newEnvironment());
    }

    @Override
    public ContextCustomizer createContextCustomizer(Class<?> testClass,
                                                     List<ContextConfigurationAttributes> configAttributes) {
        return new SpringProperties(testClass);
    }

    /** Puts the test class's environment into its application context's properties. */
    private record SpringProperties(Class<?> testClass) implements ContextCustomizer {

        @Override
        public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration mergedConfig) {
            context.getEnvironment().getPropertySources().addFirst(
                    new MapPropertySource("testEnvironment " + testClass.getName(), of(testClass).springProperties()));
        }
    }
}
