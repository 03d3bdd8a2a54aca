package org.agentplatform.schema.messaging;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;

import tools.jackson.databind.node.ObjectNode;

/**
 * The schema versions of the message types. A type's versions come from its components: one marked
 * {@link Since @Since(n)} exists from version {@code n} on, so the newest version of a type is the highest
 * {@code n} among them (1 without any). A message is written at the lowest version that can hold it (a transfer
 * without a memo is still a version-1 transfer), so a producer that is upgraded before the workers does not
 * break them until it uses what only the new version has. Reading accepts every version from 1 to the newest:
 * the payload is checked against its own version (no component of a later one) and then upcast, step by step,
 * by the {@link Upcaster}s registered here.
 */
public final class MessageVersions {

    /** One per version step of a type; adding a version without its step fails when this class loads. */
    private static final List<Upcaster> UPCASTERS = List.of(
            // version 2 of a transfer adds an optional memo; a version-1 transfer is one without
            Upcaster.addingOptional("TransferKarma", 1));

    private static final ClassValue<Layout> LAYOUTS = new ClassValue<>() {
        @Override
        protected Layout computeValue(Class<?> type) {
            return Layout.of(type);
        }
    };

    private static final Map<String, Upcaster> STEPS = steps();

    private MessageVersions() {
    }

    /** The newest schema version of {@code type}. */
    public static int newest(Class<? extends Message> type) {
        return LAYOUTS.get(type).newest;
    }

    /** The lowest schema version that holds {@code message}: the highest {@code @Since} of its non-null components. */
    public static int of(Message message) {
        Layout layout = LAYOUTS.get(message.getClass());
        int version = 1;
        for (int i = 0; i < layout.optional.size(); i++) {
            if (layout.since.get(i) > version && layout.value(message, i) != null) {
                version = layout.since.get(i);
            }
        }
        return version;
    }

    /** The names of {@code type}'s components that exist in {@code version}, in declaration order. */
    public static List<String> componentsIn(Class<? extends Message> type, int version) {
        List<String> names = new ArrayList<>();
        for (RecordComponent component : type.getRecordComponents()) {
            Since since = component.getAnnotation(Since.class);
            if (since == null || since.value() <= version) {
                names.add(component.getName());
            }
        }
        return names;
    }

    /** Whether {@code component} of {@code type} is optional (has {@code @Since}). */
    public static boolean isOptional(Class<? extends Message> type, String component) {
        return LAYOUTS.get(type).optional.contains(component);
    }

    /**
     * Makes a payload of {@code version} one of the newest version of {@code type}, in place: refuses a component
     * the version does not have, applies each step's upcaster, and sets absent optional components to null
     * (the codec refuses absent components, so that a producer's typo is not read as "no value").
     */
    static ObjectNode upcast(String name, Class<? extends Message> type, int version, ObjectNode payload) {
        Layout layout = LAYOUTS.get(type);
        if (layout.optional.isEmpty()) {
            return payload;
        }
        for (int i = 0; i < layout.optional.size(); i++) {
            String component = layout.optional.get(i);
            if (layout.since.get(i) > version && payload.has(component)) {
                throw new MalformedMessageException("invalid " + name + ": field '" + component
                        + "' is not in schemaVersion " + version + " (it was added in " + layout.since.get(i) + ")");
            }
        }
        ObjectNode current = payload;
        for (int from = version; from < layout.newest; from++) {
            Upcaster upcaster = STEPS.get(name + "@" + from);
            if (upcaster == null) {
                throw new IllegalStateException("no upcaster for " + name + " from schemaVersion " + from);
            }
            current = upcaster.step().apply(current);
        }
        for (String component : layout.optional) {
            if (!current.has(component)) {
                current.putNull(component);
            }
        }
        return current;
    }

    private static Map<String, Upcaster> steps() {
        Map<String, Upcaster> steps = new HashMap<>();
        for (Upcaster upcaster : UPCASTERS) {
            Class<? extends Message> type = MessageTypes.byName(upcaster.type()).orElseThrow(
                    () -> new IllegalStateException("upcaster for unknown message type " + upcaster.type()));
            if (upcaster.from() >= newest(type)) {
                throw new IllegalStateException("upcaster " + upcaster.type() + " " + upcaster.from() + "->"
                        + (upcaster.from() + 1) + " but the newest version is " + newest(type));
            }
            if (steps.put(upcaster.type() + "@" + upcaster.from(), upcaster) != null) {
                throw new IllegalStateException("two upcasters for " + upcaster.type() + " " + upcaster.from());
            }
        }
        MessageTypes.all().forEach((name, type) -> {
            for (int from = 1; from < newest(type); from++) {
                if (!steps.containsKey(name + "@" + from)) {
                    throw new IllegalStateException(name + " has version " + (from + 1) + " but no upcaster from "
                            + from + ": register one in MessageVersions");
                }
            }
        });
        return Map.copyOf(steps);
    }

    /** A record type's optional components, the version each joined, and the newest version. */
    private record Layout(List<String> optional, List<Integer> since, List<RecordComponent> components, int newest) {

        static Layout of(Class<?> type) {
            List<String> optional = new ArrayList<>();
            List<Integer> since = new ArrayList<>();
            List<RecordComponent> components = new ArrayList<>();
            int newest = 1;
            for (RecordComponent component : type.isRecord() ? type.getRecordComponents() : new RecordComponent[0]) {
                Since annotation = component.getAnnotation(Since.class);
                if (annotation != null) {
                    JsonInclude include = component.getAccessor().getAnnotation(JsonInclude.class);
                    if (annotation.value() < 1 || component.getType().isPrimitive() || include == null
                            || include.value() != JsonInclude.Include.NON_NULL) {
                        // left out when null, or every message of the type would change its JSON and fingerprint
                        throw new IllegalStateException(type.getSimpleName() + "." + component.getName()
                                + ": @Since needs a version >= 1, a component that can be null, and"
                                + " @JsonInclude(NON_NULL)");
                    }
                    optional.add(component.getName());
                    since.add(annotation.value());
                    components.add(component);
                    newest = Math.max(newest, annotation.value());
                }
            }
            return new Layout(List.copyOf(optional), List.copyOf(since), List.copyOf(components), newest);
        }

        Object value(Message message, int index) {
            try {
                return components.get(index).getAccessor().invoke(message);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
