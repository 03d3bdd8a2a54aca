package org.agentplatform.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

import org.junit.jupiter.api.Test;
import org.springframework.dao.CannotAcquireLockException;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.transaction.TransactionSystemException;

class FailuresTest {

    @Test
    void aDatabaseThatIsDownOrBusyIsTransient() {
        assertThat(Failures.isTransient(new CannotGetJdbcConnectionException("down", new SQLException("refused", "08001"))))
                .isTrue();
        assertThat(Failures.isTransient(new DataAccessResourceFailureException("gone"))).isTrue();
        assertThat(Failures.isTransient(new CannotAcquireLockException("deadlock", new SQLException("x", "40P01")))).isTrue();
        assertThat(Failures.isTransient(new RuntimeException(new SQLTransientConnectionException("pool exhausted")))).isTrue();
        assertThat(Failures.isTransient(new RuntimeException(new SQLException("serialization", "40001")))).isTrue();
    }

    @Test
    void aRollbackThatFailedOnAClosedConnectionIsTransientWhateverTheOriginalFailure() {
        TransactionSystemException rollbackFailed = new TransactionSystemException("JDBC rollback failed",
                new SQLException("Connection is closed"));
        rollbackFailed.initApplicationException(new IllegalStateException("I/O error under the batch"));
        assertThat(Failures.isTransient(rollbackFailed)).isTrue();
        assertThat(Failures.isTransient(new TransactionSystemException("JDBC commit failed"))).isTrue();
    }

    @Test
    void aBrokenStatementIsNot() {
        assertThat(Failures.isTransient(new DataIntegrityViolationException("check violated",
                new SQLException("check", "23514")))).isFalse();
        assertThat(Failures.isTransient(new IllegalStateException("bug"))).isFalse();
        assertThat(Failures.isTransient(new RuntimeException(new SQLException("syntax", "42601")))).isFalse();
    }
}
