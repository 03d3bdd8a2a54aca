package org.agentplatform.embedded;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

import javax.sql.DataSource;

/** What tests need of a PostgreSQL 16 server, whoever runs it: the embedded server or a container. */
public interface PostgresEndpoint {

    String jdbcUrl(String database);

    String username();

    String password();

    /** Idempotent: a database that exists, or is created concurrently, is fine. */
    default void createDatabase(String name) {
        if (!name.matches("[A-Za-z0-9_-]{1,63}")) {
            throw new IllegalArgumentException("unsupported database name: " + name);
        }
        try (Connection c = adminDataSource().getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return;
                    }
                }
            }
            try (Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE \"" + name + "\"");
            } catch (SQLException e) {
                if (!"42P04".equals(e.getSQLState())) { // duplicate_database: created concurrently
                    throw e;
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name, e);
        }
    }

    /** Superuser access to the {@code postgres} database. */
    DataSource adminDataSource();

    DataSource dataSource(String database);
}
