package org.agentplatform.schema.audit;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.cfg.DateTimeFeature;
import tools.jackson.databind.json.JsonMapper;

import org.agentplatform.schema.messaging.MalformedMessageException;

/**
 * JSON for {@link AuditChange}: ISO-8601 instants, fields in record order. Reading ignores unknown fields
 * so that consumers keep working when fields are added within a schema version, and rejects versions
 * newer than this code understands.
 */
public final class AuditChangeCodec {

    private final JsonMapper mapper = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DateTimeFeature.WRITE_DATES_AS_TIMESTAMPS)
            .build();

    public byte[] encode(AuditChange change) {
        return mapper.writeValueAsBytes(change);
    }

    public AuditChange decode(byte[] json) {
        if (json == null || json.length == 0) {
            throw new MalformedMessageException("empty record value");
        }
        AuditChange change;
        try {
            change = mapper.readValue(json, AuditChange.class);
        } catch (JacksonException e) {
            throw new MalformedMessageException("invalid AuditChange: " + e.getOriginalMessage(), e);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new MalformedMessageException("invalid AuditChange: " + e.getMessage(), e);
        }
        if (change.schemaVersion() < 1 || change.schemaVersion() > AuditChange.SCHEMA_VERSION) {
            throw new MalformedMessageException("unsupported AuditChange schemaVersion " + change.schemaVersion());
        }
        return change;
    }
}
