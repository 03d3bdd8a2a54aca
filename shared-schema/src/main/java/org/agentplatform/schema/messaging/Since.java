package org.agentplatform.schema.messaging;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a message component that was added after its type was first published: it is optional (null when
 * absent, and left out of the JSON when null, so a message that does not use it reads and fingerprints exactly
 * as before) and belongs to the schema versions from {@link #value()} on.
 *
 * <p>On a command, a new component needs a new version ({@code @Since(n)} with {@code n} above the newest
 * published one): workers of the older version refuse fields they do not know. An event may gain an optional
 * component within its version ({@code @Since} of the version it joins): consumers ignore fields they do not
 * know. See {@link MessageVersions} and README "Versioning".
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Since {

    int value();
}
