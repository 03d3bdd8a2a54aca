package org.agentplatform.audit.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.debezium.embedded.EmbeddedWorkerConfig;
import org.agentplatform.audit.AuditWorkerIntegrationTest;
import org.junit.jupiter.api.Test;

class PostgresOffsetBackingStoreTest extends AuditWorkerIntegrationTest {

    private static final ByteBuffer KEY = utf8("[\"audit-worker\",{\"server\":\"audit\"}]");
    private static final ByteBuffer OTHER_KEY = utf8("[\"other-engine\",{\"server\":\"x\"}]");

    @Test
    void writesThroughAndReloadsAfterARestart() throws Exception {
        migrate();
        PostgresOffsetBackingStore first = started();
        first.set(Map.of(KEY, utf8("{\"lsn\":100,\"txId\":7}"), OTHER_KEY, utf8("{\"lsn\":1}")), null)
                .get(10, TimeUnit.SECONDS);
        first.set(Map.of(KEY, utf8("{\"lsn\":200,\"txId\":8}")), null).get(10, TimeUnit.SECONDS);
        first.stop();

        PostgresOffsetBackingStore second = started();
        Map<ByteBuffer, ByteBuffer> loaded = second.get(List.of(KEY, OTHER_KEY)).get(10, TimeUnit.SECONDS);
        assertThat(string(loaded.get(KEY))).isEqualTo("{\"lsn\":200,\"txId\":8}");
        assertThat(second.connectorPartitions("audit-worker")).containsExactly(Map.of("server", "audit"));

        Map<ByteBuffer, ByteBuffer> delete = new HashMap<>();
        delete.put(OTHER_KEY, null);
        second.set(delete, null).get(10, TimeUnit.SECONDS);
        second.stop();
        assertThat(CdcPipelineTest.offsets(superuser())).extracting(r -> r.get("offset_key"))
                .containsExactly(string(KEY));
    }

    private PostgresOffsetBackingStore started() {
        PostgresOffsetBackingStore store = new PostgresOffsetBackingStore();
        Map<String, String> engineProperties = new HashMap<>(Map.of(
                PostgresOffsetBackingStore.URL, env.jdbcUrl(),
                PostgresOffsetBackingStore.USER, env.username(),
                PostgresOffsetBackingStore.PASSWORD, env.password()));
        store.configure(new EmbeddedWorkerConfig(engineProperties)); // what the engine hands the store
        store.start();
        return store;
    }

    private static ByteBuffer utf8(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String string(ByteBuffer b) {
        byte[] bytes = new byte[b.remaining()];
        b.duplicate().get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
