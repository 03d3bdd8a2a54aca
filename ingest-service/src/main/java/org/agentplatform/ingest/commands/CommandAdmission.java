package org.agentplatform.ingest.commands;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.agentplatform.ingest.actor.Actor;
import org.agentplatform.ingest.web.FieldProblems;
import org.agentplatform.ingest.web.FieldProblems.FieldError;
import org.agentplatform.schema.admission.Admissibility;
import org.agentplatform.schema.admission.Violation;
import org.agentplatform.schema.authorization.CommandPolicy;
import org.agentplatform.schema.authorization.Issuer;
import org.agentplatform.schema.authorization.Refusal;
import org.agentplatform.schema.jobs.CancelJob;
import org.agentplatform.schema.ledger.PostPending;
import org.agentplatform.schema.ledger.VoidPending;
import org.agentplatform.schema.messaging.Command;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * What every command passes before it is published, whichever endpoint built it: the shared admissibility
 * check (400 naming each field) and the shared authorization model (403 naming the field), plus the stateful
 * rules the edge can see already (a visible reservation's controller, a recorded job's submitter). The workers
 * apply the same checks again, so this is the early, friendly answer, not the only line.
 */
@Component
class CommandAdmission {

    private final JdbcClient jdbc;

    CommandAdmission(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void admit(Command command, Actor actor) {
        List<Violation> violations = Admissibility.check(command);
        if (!violations.isEmpty()) {
            // the requests name their fields as the commands do, so the payload path is the request's field
            throw new CommandRefusedException(FieldProblems.invalid(violations.stream()
                    .map(v -> new FieldError(v.field(), v.message())).toList()));
        }
        Issuer issuer = Issuer.of(actor.name());
        Optional<Refusal> refusal = CommandPolicy.refusal(issuer, command).or(() -> stateful(issuer, command));
        if (refusal.isPresent()) {
            throw new CommandRefusedException(FieldProblems.forbidden(refusal.get().field(), refusal.get().detail()));
        }
    }

    private Optional<Refusal> stateful(Issuer issuer, Command command) {
        if (command instanceof PostPending c) {
            return controllerOf(c.pendingId()).flatMap(controller -> CommandPolicy.mayResolve(issuer, controller));
        }
        if (command instanceof VoidPending c) {
            return controllerOf(c.pendingId()).flatMap(controller -> CommandPolicy.mayResolve(issuer, controller));
        }
        if (command instanceof CancelJob c && issuer instanceof Issuer.Agent agent) {
            return jdbc.sql("select submitter_id from jobs where id = ?").param(c.jobId()).query(UUID.class).optional()
                    .filter(submitter -> !submitter.equals(agent.id()))
                    .map(submitter -> new Refusal(CommandPolicy.FORBIDDEN, "jobId", "only the job's submitter may cancel it"));
        }
        return Optional.empty();
    }

    /**
     * The controller of a reservation the ledger has applied and not resolved. Not visible yet: the command is
     * published and the ledger, which re-checks the controller, records FORBIDDEN if it is not the caller's.
     */
    private Optional<String> controllerOf(UUID pendingId) {
        return jdbc.sql("select controller from transfers where id = ? and status = 'PENDING' and controller is not null")
                .param(pendingId).query(String.class).optional();
    }
}
