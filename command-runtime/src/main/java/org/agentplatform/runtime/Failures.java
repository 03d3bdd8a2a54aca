package org.agentplatform.runtime;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.TransactionSystemException;

/**
 * Tells a failure that will pass by itself (database down, deadlock, serialization failure) from one that
 * a retry would only repeat. Transient failures are retried with backoff and never dead-letter a command.
 *
 * <p>Judged by what happened, not by the outer exception's type: a commit or rollback that failed
 * ({@link TransactionSystemException}, e.g. the pool closed a broken connection under the batch) means the
 * connection is gone, and Spring keeps the original failure only as the "application exception", not as the
 * cause. Retrying the whole batch is always safe: the inbox and the stored positions make it apply once.
 */
final class Failures {

    private Failures() {
    }

    static boolean isTransient(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof TransactionSystemException) {
                return true;
            }
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
