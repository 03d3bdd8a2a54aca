package org.agentplatform.schema.authorization;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.agentplatform.schema.jobs.CancelJob;
import org.agentplatform.schema.jobs.CompleteJob;
import org.agentplatform.schema.jobs.JobEscrow;
import org.agentplatform.schema.jobs.RequestLease;
import org.agentplatform.schema.jobs.SubmitJob;
import org.agentplatform.schema.ledger.Accounts;
import org.agentplatform.schema.ledger.GrantKarma;
import org.agentplatform.schema.ledger.PostPending;
import org.agentplatform.schema.ledger.RegisterAgent;
import org.agentplatform.schema.ledger.ReserveKarma;
import org.agentplatform.schema.ledger.SubmitClaim;
import org.agentplatform.schema.ledger.SuspendAgent;
import org.agentplatform.schema.ledger.TransferBatch;
import org.agentplatform.schema.ledger.TransferKarma;
import org.agentplatform.schema.ledger.VerifyClaim;
import org.agentplatform.schema.messaging.Command;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.node.JsonNodeFactory;

class CommandPolicyTest {

    static final UUID ALICE = UUID.randomUUID();
    static final UUID BOB = UUID.randomUUID();
    static final Issuer alice = Issuer.of(ALICE.toString());
    static final Issuer admin = Issuer.of("admin");
    static final Issuer service = Issuer.of("billing-service");

    @Test
    void actorsAreReadAsAdminAgentOrService() {
        assertThat(admin).isInstanceOf(Issuer.Admin.class);
        assertThat(alice).isEqualTo(new Issuer.Agent(ALICE));
        assertThat(Issuer.of(ALICE.toString().toUpperCase())).as("only the canonical spelling is the agent")
                .isInstanceOf(Issuer.Service.class);
        assertThat(service).isEqualTo(new Issuer.Service("billing-service"));
    }

    @Test
    void adminCommandsAreNotForAgents() {
        for (Command c : List.<Command>of(new RegisterAgent(BOB, "b"), new GrantKarma(ALICE, 5), new SuspendAgent(BOB))) {
            assertThat(reason(alice, c)).as(c.toString()).contains("FORBIDDEN");
            assertThat(reason(admin, c)).isEmpty();
            assertThat(reason(service, c)).isEmpty();
        }
    }

    @Test
    void karmaLeavesAnAccountOnlyByItsOwnerAndOnlyToAgents() {
        assertThat(reason(alice, new TransferKarma(ALICE, BOB, 1))).isEmpty();
        assertThat(field(alice, new TransferKarma(BOB, ALICE, 1))).contains("debitAccountId");
        assertThat(field(alice, new TransferKarma(ALICE, JobEscrow.ACCOUNT, 1))).contains("creditAccountId");
        assertThat(field(alice, new ReserveKarma(ALICE, Accounts.TREASURY, 1, Instant.now()))).contains("creditAccountId");
        assertThat(field(alice, new TransferBatch(List.of(new TransferBatch.Leg(ALICE, BOB, 1),
                new TransferBatch.Leg(BOB, ALICE, 1))))).contains("transfers[1].debitAccountId");
        assertThat(reason(admin, new TransferKarma(ALICE, BOB, 1))).contains("FORBIDDEN");
        assertThat(reason(service, new TransferKarma(JobEscrow.ACCOUNT, BOB, 1))).isEmpty();
    }

    @Test
    void aSystemAccountNeverActsAsAnAgent() {
        Issuer treasury = Issuer.of(Accounts.TREASURY.toString());
        assertThat(field(treasury, new TransferKarma(Accounts.TREASURY, ALICE, 1_000_000))).contains("actor");
        assertThat(field(Issuer.of(JobEscrow.ACCOUNT.toString()), new TransferKarma(JobEscrow.ACCOUNT, ALICE, 1)))
                .contains("actor");
    }

    @Test
    void agentsActOnlyAsThemselves() {
        assertThat(field(alice, new SubmitClaim(UUID.randomUUID(), BOB, "s", "x", Map.of(), 0))).contains("claimantId");
        assertThat(field(alice, new VerifyClaim(UUID.randomUUID(), BOB))).contains("verifierId");
        assertThat(field(alice, new SubmitJob(UUID.randomUUID(), BOB, JsonNodeFactory.instance.objectNode(), 0, 1,
                Duration.ofSeconds(1), null))).contains("submitterId");
        assertThat(field(alice, new RequestLease(BOB))).contains("executorId");
        assertThat(field(alice, new CompleteJob(UUID.randomUUID(), BOB, 1, JsonNodeFactory.instance.nullNode())))
                .contains("executorId");
        assertThat(reason(alice, new RequestLease(ALICE))).isEmpty();
        assertThat(reason(admin, new CancelJob(UUID.randomUUID(), BOB))).as("the admin cancels any job").isEmpty();
        assertThat(field(admin, new RequestLease(ALICE))).as("the admin is not an agent").contains("executorId");
    }

    @Test
    void onlyTheControllerResolvesAReservation() {
        assertThat(CommandPolicy.mayResolve(service, "job-worker")).isPresent();
        assertThat(CommandPolicy.mayResolve(Issuer.of("job-worker"), "job-worker")).isEmpty();
        assertThat(CommandPolicy.mayResolve(alice, ALICE.toString())).isEmpty();
        assertThat(CommandPolicy.mayResolve(alice, "job-worker")).as("the payer never resolves an escrow hold").isPresent();
        assertThat(reason(admin, new PostPending(UUID.randomUUID()))).contains("FORBIDDEN");
    }

    private static Optional<String> reason(Issuer issuer, Command command) {
        return CommandPolicy.refusal(issuer, command).map(Refusal::reason);
    }

    private static Optional<String> field(Issuer issuer, Command command) {
        return CommandPolicy.refusal(issuer, command).map(Refusal::field);
    }
}
