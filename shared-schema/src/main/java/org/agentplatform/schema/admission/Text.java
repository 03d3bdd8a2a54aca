package org.agentplatform.schema.admission;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The length a text component of a message may have, in characters, matching the column it is stored in.
 * {@link Admissibility} enforces it at the edge and in the workers; the published JSON Schemas carry it as
 * {@code minLength}/{@code maxLength}. A String component without it may hold {@link Admissibility#DEFAULT_MAX_TEXT}.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.PARAMETER})
public @interface Text {

    int min() default 0;

    int max();
}
