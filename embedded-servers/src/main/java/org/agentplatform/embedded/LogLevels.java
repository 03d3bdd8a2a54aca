package org.agentplatform.embedded;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * Lowers the embedded broker's loggers ({@code kafka}, {@code org.apache.kafka},
 * {@code state.change.logger}) to WARN, through logback's API by reflection so that logback is
 * not a dependency. Only loggers without a configured level are changed, and the change is
 * re-applied when logback is reset (Spring Boot resets logback when a context starts), so an
 * explicit level from logback.xml or {@code logging.level.*} still wins.
 */
final class LogLevels {

    static final List<String> KAFKA_LOGGERS = List.of("kafka", "org.apache.kafka", "state.change.logger");

    private static final Set<Object> INSTALLED = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));

    private LogLevels() {
    }

    static void quietKafka() {
        try {
            ILoggerFactory factory = LoggerFactory.getILoggerFactory();
            ClassLoader cl = factory.getClass().getClassLoader();
            Class<?> contextClass = Class.forName("ch.qos.logback.classic.LoggerContext", false, cl);
            if (!contextClass.isInstance(factory)) {
                return;
            }
            apply(factory);
            if (INSTALLED.add(factory)) {
                Class<?> listenerType = Class.forName("ch.qos.logback.classic.spi.LoggerContextListener", false, cl);
                Object listener = Proxy.newProxyInstance(cl, new Class<?>[] {listenerType}, new ResetListener(factory));
                contextClass.getMethod("addListener", listenerType).invoke(factory, listener);
            }
        } catch (ClassNotFoundException e) {
            // not logback: leave logging alone
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            LoggerFactory.getLogger(LogLevels.class).debug("cannot lower Kafka log levels", e);
        }
    }

    private static void apply(Object context) throws ReflectiveOperationException {
        ClassLoader cl = context.getClass().getClassLoader();
        Class<?> levelClass = Class.forName("ch.qos.logback.classic.Level", false, cl);
        Object warn = levelClass.getField("WARN").get(null);
        Method getLogger = context.getClass().getMethod("getLogger", String.class);
        for (String name : KAFKA_LOGGERS) {
            Object logger = getLogger.invoke(context, name);
            Method getLevel = logger.getClass().getMethod("getLevel");
            if (getLevel.invoke(logger) == null) {
                logger.getClass().getMethod("setLevel", levelClass).invoke(logger, warn);
            }
        }
    }

    private static final class ResetListener implements InvocationHandler {
        private final Object context;

        ResetListener(Object context) {
            this.context = context;
        }

        @Override
        public @Nullable Object invoke(Object proxy, Method method, @Nullable Object[] args) throws Throwable {
            switch (method.getName()) {
                case "isResetResistant":
                    return Boolean.TRUE;
                case "onReset":
                    try {
                        apply(context);
                    } catch (ReflectiveOperationException | RuntimeException e) {
                        // ignore
                    }
                    return null;
                case "equals":
                    return proxy == args[0];
                case "hashCode":
                    return System.identityHashCode(proxy);
                case "toString":
                    return "embedded-servers Kafka log levels";
                default:
                    return null;
            }
        }
    }
}
