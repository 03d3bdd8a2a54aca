package org.agentplatform.schema.migration;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import javax.sql.DataSource;

import org.agentplatform.embedded.PostgresEndpoint;
import org.agentplatform.embedded.TestServers;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;

/** A fresh database on the JVM's PostgreSQL 16, migrated as the workers migrate, with plain JDBC helpers. */
final class TestDatabase {

    final String url;
    final String user;
    final String password;
    final DataSource dataSource;

    private TestDatabase(String url, String user, String password, DataSource dataSource) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.dataSource = dataSource;
    }

    static TestDatabase create() {
        PostgresEndpoint pg = TestServers.postgres();
        String name = "migrations_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        pg.createDatabase(name);
        return new TestDatabase(pg.jdbcUrl(name), pg.username(), pg.password(), pg.dataSource(name));
    }

    /**
     * Flyway as the workers run it: Spring Boot's auto-configuration with no {@code spring.flyway.*} but the
     * connect retries (ledger-worker.yml, job-worker.yml, audit-worker.yml), i.e. Flyway's defaults: location
     * {@code classpath:db/migration}, table {@code flyway_schema_history}, the connection's schema.
     */
    FluentConfiguration flyway() {
        return Flyway.configure().dataSource(url, user, password);
    }

    void migrate() {
        flyway().load().migrate();
    }

    void migrateTo(int version) {
        flyway().target(String.valueOf(version)).load().migrate();
    }

    Rollback rollback() {
        return new Rollback(dataSource);
    }

    /** The versions in flyway_schema_history, in the order applied. */
    List<String> appliedVersions() {
        return column("select version from flyway_schema_history where version is not null order by installed_rank");
    }

    Map<String, Integer> checksums() {
        Map<String, Integer> checksums = new LinkedHashMap<>();
        for (Map<String, String> row : rows("select version, checksum from flyway_schema_history"
                + " where version is not null order by installed_rank")) {
            checksums.put(row.get("version"), Integer.valueOf(row.get("checksum")));
        }
        return checksums;
    }

    /** The tables of schema public, but Flyway's. */
    List<String> tables() {
        return column("select table_name from information_schema.tables where table_schema = 'public'"
                + " and table_type = 'BASE TABLE' and table_name <> 'flyway_schema_history' order by 1");
    }

    List<String> columns(String table) {
        return column("select column_name from information_schema.columns where table_schema = 'public'"
                + " and table_name = '" + table + "' order by ordinal_position");
    }

    boolean exists(String table) {
        return tables().contains(table);
    }

    /** Every row of a table, each column as PostgreSQL's text, in a stable order. */
    List<Map<String, String>> contents(String table) {
        List<Map<String, String>> rows = rows("select * from " + table);
        rows.sort(Comparator.comparing(Object::toString));
        return rows;
    }

    void execute(String sql) {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage() + " in: " + sql, e);
        }
    }

    List<String> column(String sql) {
        List<String> values = new ArrayList<>();
        for (Map<String, String> row : rows(sql)) {
            values.add(row.values().iterator().next());
        }
        return values;
    }

    String single(String sql) {
        List<String> values = column(sql);
        if (values.size() != 1) {
            throw new IllegalStateException(values.size() + " rows from " + sql);
        }
        return values.get(0);
    }

    List<Map<String, String>> rows(String sql) {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(sql)) {
            ResultSetMetaData meta = rs.getMetaData();
            List<Map<String, String>> rows = new ArrayList<>();
            while (rs.next()) {
                Map<String, String> row = new TreeMap<>();
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    row.put(meta.getColumnLabel(i), rs.getString(i));
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage() + " in: " + sql, e);
        }
    }

    /**
     * What the migrations define, as text: tables and columns (in order), constraints (with whether validated),
     * indexes, triggers, functions, sequences, privileges, replica identities, types, publications, extensions.
     * Flyway's own table is left out. Equal fingerprints: the same schema.
     */
    List<String> fingerprint() {
        List<String> lines = new ArrayList<>();
        lines.add("-- columns");
        lines.addAll(column("""
                select concat_ws(' | ', table_name, column_name, data_type, udt_name, is_nullable, column_default,
                                 is_identity, identity_generation, character_maximum_length, numeric_precision)
                from information_schema.columns
                where table_schema = 'public' and table_name <> 'flyway_schema_history'
                order by table_name, ordinal_position"""));
        lines.add("-- relations");
        lines.addAll(column("""
                select concat_ws(' | ', relname, relkind, relpersistence, relreplident, relrowsecurity, relacl::text,
                                 reloptions::text)
                from pg_class
                where relnamespace = 'public'::regnamespace and relname not like 'flyway_schema_history%'
                order by relname"""));
        lines.add("-- constraints");
        lines.addAll(column("""
                select concat_ws(' | ', conrelid::regclass::text, conname, contype, pg_get_constraintdef(oid),
                                 convalidated, condeferrable, condeferred)
                from pg_constraint
                where connamespace = 'public'::regnamespace and conrelid::regclass::text <> 'flyway_schema_history'
                order by 1"""));
        lines.add("-- indexes");
        lines.addAll(column("""
                select concat_ws(' | ', tablename, indexname, indexdef) from pg_indexes
                where schemaname = 'public' and tablename <> 'flyway_schema_history' order by 1"""));
        lines.add("-- triggers");
        lines.addAll(column("""
                select concat_ws(' | ', tgrelid::regclass::text, tgname, pg_get_triggerdef(oid), tgenabled)
                from pg_trigger
                where not tgisinternal and tgrelid in (select oid from pg_class where relnamespace = 'public'::regnamespace)
                order by 1"""));
        lines.add("-- functions");
        lines.addAll(column("""
                select concat_ws(' | ', proname, pg_get_function_identity_arguments(oid), pg_get_functiondef(oid),
                                 proacl::text)
                from pg_proc where pronamespace = 'public'::regnamespace order by 1"""));
        lines.add("-- sequences");
        lines.addAll(column("""
                select concat_ws(' | ', schemaname, sequencename, data_type, start_value, increment_by, cycle)
                from pg_sequences where schemaname = 'public' order by 1"""));
        lines.add("-- types");
        lines.addAll(column("""
                select concat_ws(' | ', typname, typtype) from pg_type
                where typnamespace = 'public'::regnamespace and typtype in ('e', 'd', 'r', 'm') order by 1"""));
        lines.add("-- publications");
        lines.addAll(column("""
                select concat_ws(' | ', pubname, schemaname, tablename) from pg_publication_tables order by 1"""));
        lines.addAll(column("select 'publication ' || pubname from pg_publication order by 1"));
        lines.add("-- extensions");
        lines.addAll(column("select extname from pg_extension order by 1"));
        return lines;
    }
}
