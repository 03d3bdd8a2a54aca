package org.agentplatform.bench;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Failed HTTP sends by status, with the first body of each, for the report (failures must be explainable). */
final class HttpErrors {

    static final Map<Integer, LongAdder> COUNTS = new ConcurrentHashMap<>();
    static final Map<Integer, String> FIRST_BODY = new ConcurrentHashMap<>();

    private HttpErrors() {
    }

    static void record(int status, String body) {
        COUNTS.computeIfAbsent(status, s -> new LongAdder()).increment();
        FIRST_BODY.putIfAbsent(status, body.length() > 200 ? body.substring(0, 200) : body);
    }
}
