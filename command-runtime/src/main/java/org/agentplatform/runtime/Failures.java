package org.agentplatform.runtime;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.transaction.CannotCreateTransactionException;

/**
 * Tells a failure that will pass by itself (database down, deadlock, serialization failure) from one that
 * a retry would only repeat. Transient failures are retried with backoff and never dead-letter a command.
 */
final class Failures {

    private Failures() {
    }

    static boolean isTransient(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TransientDataAccessException || t instanceof RecoverableDataAccessException
                    || t instanceof DataAccessResourceFailureException || t instanceof CannotCreateTransactionException
                    || t instanceof SQLTransientException || t instanceof SQLRecoverableException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null && isTransientState(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /** SQLSTATE classes: 08 connection, 40 rollback (serialization, deadlock), 53 resources, 57 operator, 58 system. */
    private static boolean isTransientState(String state) {
        return state.startsWith("08") || state.startsWith("40") || state.startsWith("53")
                || state.startsWith("57") || state.startsWith("58");
    }
}
