package org.agentplatform.audit.cdc;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.regex.Pattern;

import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.storage.MemoryOffsetBackingStore;
import org.apache.kafka.connect.util.Callback;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the engine's source offsets in a PostgreSQL table (see {@code V2__cdc_offsets.sql}), so a
 * restarted worker resumes from its last position. Offsets are read once at start and written through on
 * every flush, in one transaction per flush; the in-memory copy changes only after the write committed.
 *
 * <p>Debezium instantiates this class by name ({@code offset.storage}) with its no-argument constructor,
 * which is why it is public, and hands it the engine's properties; it reads its JDBC settings from the
 * {@code offset.storage.jdbc.*} keys.
 */
public class PostgresOffsetBackingStore extends MemoryOffsetBackingStore {

    static final String URL = "offset.storage.jdbc.url";
    static final String USER = "offset.storage.jdbc.user";
    /** Ends in "password" so that Debezium masks it when it logs its configuration. */
    static final String PASSWORD = "offset.storage.jdbc.password";
    static final String TABLE = "offset.storage.jdbc.table";

    private static final Logger log = LoggerFactory.getLogger(PostgresOffsetBackingStore.class);
    private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");

    // set by configure(), which the engine calls before start()
    @SuppressWarnings("NullAway.Init")
    private String url;
    private @Nullable String user;
    private @Nullable String password;
    @SuppressWarnings("NullAway.Init")
    private String table;
    /** Only touched on the store's single executor thread. */
    private @Nullable Connection connection;

    public PostgresOffsetBackingStore() {
        // get() and connectorPartitions() may read from other threads than the executor that writes
        data = new ConcurrentHashMap<>();
    }

    @Override
    public void configure(WorkerConfig config) {
        super.configure(config);
        Map<String, Object> settings = config.originals();
        url = required(settings, URL);
        user = (String) settings.get(USER);
        password = (String) settings.get(PASSWORD);
        table = (String) settings.getOrDefault(TABLE, "cdc_offsets");
        if (!TABLE_NAME.matcher(table).matches()) {
            throw new ConnectException("invalid " + TABLE + ": " + table);
        }
    }

    @Override
    public synchronized void start() {
        super.start();
        // the engine reads its offsets right after start(): load them before returning
        await(executor.submit(() -> {
            load();
            return null;
        }));
        log.info("Loaded {} CDC offset(s) from table {}", data.size(), table);
    }

    @Override
    public synchronized void stop() {
        super.stop(); // waits for pending writes on the executor
        closeConnection();
    }

    @Override
    public Future<Void> set(Map<ByteBuffer, ByteBuffer> values, Callback<Void> callback) {
        return executor.submit(() -> {
            try {
                write(values);
            } catch (SQLException | RuntimeException e) {
                // the engine keeps the offsets and retries with its next flush
                if (callback != null) {
                    callback.onCompletion(e, null);
                }
                throw e;
            }
            values.forEach((key, value) -> {
                if (value == null) {
                    data.remove(key);
                } else {
                    data.put(key, value);
                }
            });
            if (callback != null) {
                callback.onCompletion(null, null);
            }
            return null;
        });
    }

    /** The source partitions stored for one connector (engine) name, as Kafka Connect defines them. */
    @Override
    public Set<Map<String, Object>> connectorPartitions(String connectorName) {
        JsonConverter keys = new JsonConverter();
        keys.configure(Map.of("schemas.enable", "false", "converter.type", "key"));
        Set<Map<String, Object>> partitions = new HashSet<>();
        for (ByteBuffer key : data.keySet()) {
            SchemaAndValue parsed = keys.toConnectData("", bytes(key));
            // offset keys are [connector name, partition map]
            if (parsed.value() instanceof List<?> parts && parts.size() == 2
                    && connectorName.equals(parts.get(0)) && parts.get(1) instanceof Map<?, ?> partition) {
                @SuppressWarnings("unchecked")
                Map<String, Object> typed = (Map<String, Object>) partition;
                partitions.add(typed);
            }
        }
        return partitions;
    }

    private void load() throws SQLException {
        try (PreparedStatement select = connection().prepareStatement(
                "select offset_key, offset_value from " + table);
             ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
                data.put(utf8(rows.getString(1)), utf8(rows.getString(2)));
            }
            connection().commit();
        } catch (SQLException e) {
            closeConnection();
            throw e;
        }
    }

    private void write(Map<ByteBuffer, ByteBuffer> values) throws SQLException {
        Connection c = connection();
        try (PreparedStatement upsert = c.prepareStatement(
                "insert into " + table + " (offset_key, offset_value, updated_at) values (?, ?, now()) "
                        + "on conflict (offset_key) do update set offset_value = excluded.offset_value, "
                        + "updated_at = excluded.updated_at");
             PreparedStatement delete = c.prepareStatement("delete from " + table + " where offset_key = ?")) {
            for (Map.Entry<ByteBuffer, ByteBuffer> entry : values.entrySet()) {
                String key = string(entry.getKey());
                if (entry.getValue() == null) {
                    delete.setString(1, key);
                    delete.addBatch();
                } else {
                    upsert.setString(1, key);
                    upsert.setString(2, string(entry.getValue()));
                    upsert.addBatch();
                }
            }
            upsert.executeBatch();
            delete.executeBatch();
            c.commit();
        } catch (SQLException | RuntimeException e) {
            closeConnection(); // rolls back; the next write reconnects
            throw e;
        }
    }

    private Connection connection() throws SQLException {
        if (connection == null) {
            connection = DriverManager.getConnection(url, user, password);
            connection.setAutoCommit(false);
        }
        return connection;
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                log.debug("Closing the offset store connection failed", e);
            }
            connection = null;
        }
    }

    private static String required(Map<String, Object> settings, String key) {
        Object value = settings.get(key);
        if (value == null || value.toString().isBlank()) {
            throw new ConnectException("missing engine property " + key);
        }
        return value.toString();
    }

    private static void await(Future<?> future) {
        try {
            future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectException("interrupted while loading CDC offsets", e);
        } catch (ExecutionException e) {
            throw new ConnectException("could not load CDC offsets", e.getCause());
        }
    }

    private static ByteBuffer utf8(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }

    private static String string(ByteBuffer buffer) {
        return new String(bytes(buffer), StandardCharsets.UTF_8);
    }
}
