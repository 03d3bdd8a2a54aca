package org.agentplatform.schema.authorization;

import java.util.Optional;
import java.util.UUID;

import org.agentplatform.schema.jobs.CancelJob;
import org.agentplatform.schema.jobs.CompleteJob;
import org.agentplatform.schema.jobs.FailJob;
import org.agentplatform.schema.jobs.Heartbeat;
import org.agentplatform.schema.jobs.JobCommand;
import org.agentplatform.schema.jobs.RequestLease;
import org.agentplatform.schema.jobs.ResolveEscrow;
import org.agentplatform.schema.jobs.SubmitJob;
import org.agentplatform.schema.ledger.Accounts;
import org.agentplatform.schema.ledger.DisputeClaim;
import org.agentplatform.schema.ledger.GrantKarma;
import org.agentplatform.schema.ledger.LedgerCommand;
import org.agentplatform.schema.ledger.PostPending;
import org.agentplatform.schema.ledger.ReactivateAgent;
import org.agentplatform.schema.ledger.RegisterAgent;
import org.agentplatform.schema.ledger.ReserveKarma;
import org.agentplatform.schema.ledger.SubmitClaim;
import org.agentplatform.schema.ledger.SuspendAgent;
import org.agentplatform.schema.ledger.TransferBatch;
import org.agentplatform.schema.ledger.TransferKarma;
import org.agentplatform.schema.ledger.VerifyClaim;
import org.agentplatform.schema.ledger.VoidPending;
import org.agentplatform.schema.messaging.Command;

/**
 * Who may issue which command: the one model the HTTP edge applies before publishing (a 403) and every worker
 * applies again before the command touches state (a recorded {@code FORBIDDEN}), so a hole at the edge or a
 * careless direct producer never becomes a hole in the ledger.
 *
 * <ul>
 * <li>Admin commands (register, grant, suspend, reactivate): the admin or a trusted service, never an agent.</li>
 * <li>Karma leaves an account only by its owner: an agent debits only itself and moves karma only between
 *     agent accounts; the system accounts (treasury, job escrow) have no keys and are moved by services only.</li>
 * <li>An agent claims, votes, submits, leases and reports only as itself.</li>
 * <li>A reservation is posted or voided by its controller, the issuer that made it (for escrow holds and claim
 *     stakes the system, never the payer): this depends on the reservation, so the ledger checks it
 *     ({@link #mayResolve}); the edge checks it too where the reservation is already visible.</li>
 * <li>A job's executor reports only on its own lease and a job is cancelled by its submitter (or the admin):
 *     the job worker checks these against the job.</li>
 * </ul>
 * Trusted services may issue any command within these rules (the topic ACL is their authorization).
 */
public final class CommandPolicy {

    public static final String FORBIDDEN = "FORBIDDEN";

    private CommandPolicy() {
    }

    /** Why {@code issuer} may not send {@code command}, judged on the command alone; empty if it may. */
    public static Optional<Refusal> refusal(Issuer issuer, Command command) {
        if (issuer instanceof Issuer.Agent agent && Accounts.isSystem(agent.id())) {
            // a key minted for the treasury or the escrow account by mistake must not make it an agent
            return refuse("actor", "system accounts act only through the system, never as an agent");
        }
        if (command instanceof LedgerCommand c) {
            return ledger(issuer, c);
        }
        if (command instanceof JobCommand c) {
            return jobs(issuer, c);
        }
        return Optional.of(new Refusal(FORBIDDEN, "type", "unknown command " + command.getClass().getSimpleName()));
    }

    /** The stateful half for reservations: only the controller recorded with the reservation resolves it. */
    public static Optional<Refusal> mayResolve(Issuer issuer, String controller) {
        return issuer.name().equals(controller) ? Optional.empty()
                : refuse("pendingId", "only the reservation's controller may post or void it");
    }

    private static Optional<Refusal> ledger(Issuer issuer, LedgerCommand command) {
        if (command instanceof RegisterAgent) {
            return operator(issuer, "registering an agent");
        }
        if (command instanceof GrantKarma) {
            return operator(issuer, "granting karma");
        }
        if (command instanceof SuspendAgent) {
            return operator(issuer, "suspending an agent");
        }
        if (command instanceof ReactivateAgent) {
            return operator(issuer, "reactivating an agent");
        }
        if (command instanceof TransferKarma c) {
            return movement(issuer, "debitAccountId", c.debitAccountId(), "creditAccountId", c.creditAccountId());
        }
        if (command instanceof ReserveKarma c) {
            return movement(issuer, "debitAccountId", c.debitAccountId(), "creditAccountId", c.creditAccountId());
        }
        if (command instanceof TransferBatch c) {
            for (int i = 0; i < c.transfers().size(); i++) {
                TransferBatch.Leg leg = c.transfers().get(i);
                Optional<Refusal> refused = movement(issuer, "transfers[" + i + "].debitAccountId",
                        leg.debitAccountId(), "transfers[" + i + "].creditAccountId", leg.creditAccountId());
                if (refused.isPresent()) {
                    return refused;
                }
            }
            return Optional.empty();
        }
        if (command instanceof PostPending) {
            return notAdmin(issuer, "posting a reservation");
        }
        if (command instanceof VoidPending) {
            return notAdmin(issuer, "voiding a reservation");
        }
        if (command instanceof SubmitClaim c) {
            return self(issuer, "claimantId", c.claimantId());
        }
        if (command instanceof VerifyClaim c) {
            return self(issuer, "verifierId", c.verifierId());
        }
        if (command instanceof DisputeClaim c) {
            return self(issuer, "verifierId", c.verifierId());
        }
        throw new IllegalArgumentException("no rule for " + command.getClass().getName());
    }

    private static Optional<Refusal> jobs(Issuer issuer, JobCommand command) {
        if (command instanceof SubmitJob c) {
            return self(issuer, "submitterId", c.submitterId());
        }
        if (command instanceof RequestLease c) {
            return self(issuer, "executorId", c.executorId());
        }
        if (command instanceof Heartbeat c) {
            return self(issuer, "executorId", c.executorId());
        }
        if (command instanceof CompleteJob c) {
            return self(issuer, "executorId", c.executorId());
        }
        if (command instanceof FailJob c) {
            return self(issuer, "executorId", c.executorId());
        }
        if (command instanceof CancelJob c) {
            // the admin cancels any job; whether requestedBy is the submitter is the job worker's to check
            return issuer instanceof Issuer.Admin ? Optional.empty() : self(issuer, "requestedBy", c.requestedBy());
        }
        if (command instanceof ResolveEscrow) {
            // moves karma held for others by the system's own commands: the operator's decision, no agent's
            return issuer instanceof Issuer.Admin ? Optional.empty() : refuse("actor", "resolving an escrow needs the admin role");
        }
        throw new IllegalArgumentException("no rule for " + command.getClass().getName());
    }

    /** Admin commands: the admin or a trusted service. */
    private static Optional<Refusal> operator(Issuer issuer, String what) {
        return issuer instanceof Issuer.Agent ? refuse("actor", what + " needs the admin role") : Optional.empty();
    }

    private static Optional<Refusal> notAdmin(Issuer issuer, String what) {
        return issuer instanceof Issuer.Admin ? refuse("actor", what + " is for its controller; the admin holds none")
                : Optional.empty();
    }

    /** An agent names itself; the admin is not an agent; a service may act for any agent. */
    private static Optional<Refusal> self(Issuer issuer, String field, UUID agentId) {
        if (issuer instanceof Issuer.Agent agent) {
            return agent.id().equals(agentId) ? Optional.empty() : refuse(field, "must be the issuing agent");
        }
        if (issuer instanceof Issuer.Admin) {
            return refuse(field, "must be the issuing agent (the admin is not an agent)");
        }
        return Optional.empty();
    }

    private static Optional<Refusal> movement(Issuer issuer, String debitField, UUID debit, String creditField, UUID credit) {
        if (issuer instanceof Issuer.Agent agent) {
            if (!agent.id().equals(debit)) {
                return refuse(debitField, "must be the issuing agent's own account");
            }
            return Accounts.isSystem(credit)
                    ? refuse(creditField, "agents move karma only to agent accounts; system accounts are moved by the system")
                    : Optional.empty();
        }
        if (issuer instanceof Issuer.Admin) {
            return refuse(debitField, "the admin has no account to debit (grants come from the treasury)");
        }
        return Optional.empty();
    }

    private static Optional<Refusal> refuse(String field, String detail) {
        return Optional.of(new Refusal(FORBIDDEN, field, detail));
    }
}
