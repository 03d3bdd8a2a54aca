package org.agentplatform.ingest.deadletters;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.jspecify.annotations.Nullable;
import org.springframework.kafka.support.KafkaHeaders;

import com.fasterxml.jackson.annotation.JsonInclude;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A dead-lettered record as an operator reads it: where it is ({@code id}: {@code <topic>/<partition>/<offset>}),
 * where it came from, why, how often it was replayed, its headers and its payload (JSON, or hex when it is not).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record DeadLetter(String id, String topic, int partition, long offset, Instant deadLetteredAt, String originalTopic,
                  @Nullable Integer originalPartition, @Nullable Long originalOffset, @Nullable String reason,
                  @Nullable String exception, int replayCount, @Nullable String key, Map<String, String> headers,
                  @Nullable JsonNode payload, @Nullable String payloadHex) {

    static final String REPLAY_COUNT = "replay-count";
    static final String REPLAY_REQUEST = "replay-request";
    static final String REPLAY_SOURCE = "replay-source";
    /** The runtime's (command-runtime's DeadLetters) short reason. */
    static final String REASON = "dlt-reason";
    /** The runtime's {@code <topic>-<partition>@<offset>} of the original record. */
    static final String ORIGINAL = "dlt-original";
    private static final int MAX_HEADER_SHOWN = 4_000;

    public static String id(String topic, int partition, long offset) {
        return topic + "/" + partition + "/" + offset;
    }

    /** Decoded; {@code withPayload}: false in listings, which show what and why, not the bytes. */
    static DeadLetter of(ConsumerRecord<byte[], byte[]> r, String originalTopic, JsonMapper json, boolean withPayload) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header h : r.headers()) {
            headers.put(h.key(), shown(h));
        }
        JsonNode payload = null;
        String hex = null;
        if (withPayload && r.value() != null) {
            try {
                payload = json.readTree(r.value());
            } catch (RuntimeException notJson) {
                hex = HexFormat.of().formatHex(r.value());
            }
        }
        return new DeadLetter(id(r.topic(), r.partition(), r.offset()), r.topic(), r.partition(), r.offset(),
                Instant.ofEpochMilli(r.timestamp()), originalTopic, intHeader(r, KafkaHeaders.DLT_ORIGINAL_PARTITION),
                longHeader(r, KafkaHeaders.DLT_ORIGINAL_OFFSET), text(r, REASON),
                text(r, KafkaHeaders.DLT_EXCEPTION_FQCN), replayCount(r), r.key() == null ? null : utf8(r.key()),
                withPayload ? headers : Map.of(), payload, hex);
    }

    /**
     * The topic the record was dead-lettered from: Spring Kafka's header, or for older dead letters of the audit log
     * the runtime's {@code dlt-original} ({@code <topic>-<partition>@<offset>}); null if neither says.
     */
    static @Nullable String originalTopic(ConsumerRecord<?, ?> r) {
        String topic = text(r, KafkaHeaders.DLT_ORIGINAL_TOPIC);
        if (topic != null) {
            return topic;
        }
        String original = text(r, ORIGINAL);
        if (original == null) {
            return null;
        }
        int at = original.lastIndexOf('@');
        int dash = at < 0 ? -1 : original.lastIndexOf('-', at);
        return dash > 0 ? original.substring(0, dash) : null;
    }

    /** How often the record was replayed before it was dead-lettered (again); 0 for a first dead letter. */
    static int replayCount(ConsumerRecord<?, ?> r) {
        String count = text(r, REPLAY_COUNT);
        try {
            return count == null ? 0 : Math.max(0, Integer.parseInt(count.trim()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static @Nullable String text(ConsumerRecord<?, ?> r, String header) {
        Header h = r.headers().lastHeader(header);
        return h == null || h.value() == null ? null : utf8(h.value());
    }

    private static @Nullable Integer intHeader(ConsumerRecord<?, ?> r, String header) {
        Header h = r.headers().lastHeader(header);
        return h != null && h.value() != null && h.value().length == 4 ? ByteBuffer.wrap(h.value()).getInt() : null;
    }

    private static @Nullable Long longHeader(ConsumerRecord<?, ?> r, String header) {
        Header h = r.headers().lastHeader(header);
        return h != null && h.value() != null && h.value().length == 8 ? ByteBuffer.wrap(h.value()).getLong() : null;
    }

    /** Spring's binary headers as numbers, text as text, anything else as hex; long ones (stack traces) cut. */
    private static String shown(Header h) {
        byte[] v = h.value();
        if (v == null) {
            return "";
        }
        if (h.key().equals(KafkaHeaders.DLT_ORIGINAL_PARTITION) && v.length == 4) {
            return String.valueOf(ByteBuffer.wrap(v).getInt());
        }
        if ((h.key().equals(KafkaHeaders.DLT_ORIGINAL_OFFSET) || h.key().equals(KafkaHeaders.DLT_ORIGINAL_TIMESTAMP))
                && v.length == 8) {
            return String.valueOf(ByteBuffer.wrap(v).getLong());
        }
        String text = strictUtf8(v);
        String shown = text != null && text.chars().noneMatch(c -> c < 0x20 && c != '\n' && c != '\t' && c != '\r')
                ? text : "0x" + HexFormat.of().formatHex(v);
        return shown.length() > MAX_HEADER_SHOWN ? shown.substring(0, MAX_HEADER_SHOWN) + "…" : shown;
    }

    private static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static @Nullable String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
