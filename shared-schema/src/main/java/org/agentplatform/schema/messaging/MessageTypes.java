package org.agentplatform.schema.messaging;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.agentplatform.schema.jobs.JobCommand;
import org.agentplatform.schema.jobs.JobEvent;
import org.agentplatform.schema.ledger.LedgerCommand;
import org.agentplatform.schema.ledger.LedgerEvent;

/**
 * The registry of message type names, derived from the sealed families so it cannot drift: the
 * type name of a record is its simple class name.
 */
public final class MessageTypes {

    /** The sealed families (and single records) that make up the vocabulary. */
    private static final List<Class<? extends Message>> FAMILIES = List.of(
            LedgerCommand.class, LedgerEvent.class, JobCommand.class, JobEvent.class, CommandRejected.class);

    private static final Map<String, Class<? extends Message>> BY_NAME = collect();

    private MessageTypes() {
    }

    public static String nameOf(Message message) {
        return message.getClass().getSimpleName();
    }

    public static Optional<Class<? extends Message>> byName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    public static Map<String, Class<? extends Message>> all() {
        return BY_NAME;
    }

    private static Map<String, Class<? extends Message>> collect() {
        Map<String, Class<? extends Message>> types = new LinkedHashMap<>();
        FAMILIES.forEach(family -> collect(family, types));
        return Collections.unmodifiableMap(types);
    }

    @SuppressWarnings("unchecked")
    private static void collect(Class<?> type, Map<String, Class<? extends Message>> into) {
        if (type.isSealed()) {
            for (Class<?> sub : type.getPermittedSubclasses()) {
                collect(sub, into);
            }
        } else if (type.isRecord()) {
            Class<? extends Message> previous = into.put(type.getSimpleName(), (Class<? extends Message>) type);
            if (previous != null) {
                throw new IllegalStateException("Duplicate message type name " + type.getSimpleName());
            }
        }
    }
}
