package org.agentplatform.ledger.karma;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import org.agentplatform.embedded.TestEnvironment;
import org.agentplatform.embedded.TestServers;
import org.agentplatform.ledger.LedgerWorkerApplication;
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
import org.agentplatform.schema.messaging.Envelope;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Property-style: a random stream of ledger commands (random accounts and amounts, invalid ones, duplicates,
 * reorderings across keys, reservations that expire while in flight, claims with stakes and votes) through three worker instances in one
 * consumer group, one of them stopped mid-stream and restarted. Whatever the interleaving, the invariants
 * must hold afterwards. The seed is logged; {@code -Dledger.property.seed=...} replays a stream.
 */
class LedgerPropertyIntegrationTest {

    private static final Logger log = LoggerFactory.getLogger(LedgerPropertyIntegrationTest.class);

    private static final int AGENTS = 12;
    private static final int COMMANDS = 1500;

    private final TestEnvironment env = TestServers.newEnvironment();
    private final JdbcTemplate jdbc = new JdbcTemplate(
            new DriverManagerDataSource(env.jdbcUrl(), env.username(), env.password()));

    @Test
    void invariantsHoldOverRandomStreamsWithSeveralInstancesAndARestart() {
        long seed = Long.getLong("ledger.property.seed", new Random().nextLong());
        log.info("ledger property test seed {}", seed);
        Random random = new Random(seed);

        List<ConfigurableApplicationContext> workers = new ArrayList<>();
        try (LedgerTestClient client = new LedgerTestClient(env)) {
            for (int i = 0; i < 3; i++) {
                workers.add(start());
            }
            List<UUID> agents = new ArrayList<>();
            List<Envelope<LedgerCommand>> registrations = new ArrayList<>();
            for (int i = 0; i < AGENTS; i++) {
                UUID id = UUID.randomUUID();
                agents.add(id);
                registrations.add(client.envelope(new RegisterAgent(id, "agent-" + i)));
            }
            Set<UUID> sent = new LinkedHashSet<>();
            Map<UUID, LedgerCommand> commands = new HashMap<>();
            // Registrations travel on the agents topic, with no order against the karma topic: settle them first
            // so that most of the stream meets existing accounts.
            registrations.forEach(e -> {
                client.sendAsync(e);
                sent.add(e.id());
                commands.put(e.id(), e.payload());
            });
            client.flush();
            await().atMost(Duration.ofSeconds(60)).until(() -> outcomes(sent) == AGENTS);
            List<Envelope<LedgerCommand>> stream = randomCommands(random, client, agents);

            int half = stream.size() / 2;
            for (int i = 0; i < stream.size(); i++) {
                Envelope<LedgerCommand> e = stream.get(i);
                client.sendAsync(e);
                sent.add(e.id());
                commands.put(e.id(), e.payload());
                if (i == half) {
                    client.flush();
                    // Stop one instance while the first half is being applied, then feed it the second half.
                    await().atMost(Duration.ofSeconds(60)).until(() -> outcomes(sent) >= sent.size() / 3);
                    workers.remove(1).close();
                }
            }
            client.flush();
            workers.add(start());

            await().atMost(Duration.ofSeconds(120)).until(() -> outcomes(sent) == sent.size());
            // Parked posts and voids (those that overtook their reservation, and voids of ids that never come) are
            // all decided within the deadline.
            await().atMost(Duration.ofSeconds(60)).until(() -> jdbc.queryForObject(
                    "select count(*) from processed_commands where outcome = 'DEFERRED'", Long.class) == 0);
            assertThat(jdbc.queryForObject("select count(*) from parked_resolutions", Long.class)).isZero();
            // Every reservation in the stream times out within seconds: all end up posted, voided or expired.
            // Stakes of claims are held for days: those of claims still open stay reserved.
            await().atMost(Duration.ofSeconds(60)).until(() -> jdbc.queryForObject("""
                    select count(*) from transfers t where t.status = 'PENDING' and t.kind <> 'STAKE'
                    and not exists (select 1 from transfers r where r.pending_id = t.id)""", Long.class) == 0);

            LedgerInvariants.assertHold(jdbc);
            assertThat(jdbc.queryForObject("""
                    select coalesce(sum(pending_debits), 0) from accounts""", Long.class)).isEqualTo(jdbc.queryForObject("""
                    select coalesce(sum(c.stake), 0) from claims c where c.status = 'OPEN' and c.stake > 0
                    and not exists (select 1 from transfers r where r.pending_id = c.stake_pending_id)""", Long.class));
            // A settled claim has exactly as many votes on its winning side as its quorum.
            assertThat(jdbc.queryForList("""
                    select id from claims c where (status = 'VERIFIED' and verifications <> quorum)
                       or (status = 'REJECTED' and disputes <> quorum) or (status = 'OPEN' and greatest(verifications, disputes) >= quorum)
                       or verifications + disputes <> (select count(*) from claim_votes v where v.claim_id = c.id)
                       or exists (select 1 from claim_votes v where v.claim_id = c.id and v.voter_id = c.claimant_id)""")).isEmpty();
            assertAppliedAtMostOnce(commands);
            Map<String, Long> byOutcome = new HashMap<>();
            jdbc.query("select coalesce(reason, outcome), count(*) from processed_commands group by 1",
                    rs -> {
                        byOutcome.put(rs.getString(1), rs.getLong(2));
                    });
            log.info("outcomes of {} distinct commands ({} sent with duplicates): {}", sent.size(), stream.size(), byOutcome);
            Map<String, Long> rows = new HashMap<>();
            jdbc.query("select status || case when pending_id is null then '' else '(of pending)' end, count(*) from transfers group by 1",
                    rs -> {
                        rows.put(rs.getString(1), rs.getLong(2));
                    });
            log.info("transfer rows: {}", rows);
            // The stream did real work (which resolutions of reservations it reached depends on the machine's speed,
            // as timeouts are real time; the log above shows them).
            assertThat(byOutcome.get("APPLIED")).isGreaterThan(COMMANDS / 10);
            assertThat(rows).containsKeys("POSTED", "PENDING");
        } finally {
            workers.forEach(ConfigurableApplicationContext::close);
        }
    }

    /** One outcome per command id (the inbox's primary key), and exactly the effect its outcome says. */
    private void assertAppliedAtMostOnce(Map<UUID, LedgerCommand> commands) {
        Map<UUID, String> outcome = new HashMap<>();
        jdbc.query("select command_id, outcome from processed_commands", rs -> {
            outcome.put(rs.getObject(1, UUID.class), rs.getString(2));
        });
        assertThat(outcome.keySet()).containsExactlyInAnyOrderElementsOf(commands.keySet());
        Map<UUID, Long> rows = new HashMap<>();
        jdbc.query("select id from transfers", rs -> {
            rows.merge(rs.getObject(1, UUID.class), 1L, Long::sum);
        });
        commands.forEach((id, command) -> {
            long expected = "APPLIED".equals(outcome.get(id)) ? 1 : 0;
            if (command instanceof TransferBatch batch) {
                for (int i = 0; i < batch.transfers().size(); i++) {
                    assertThat(rows.getOrDefault(TransferBatch.legId(id, i), 0L)).as("leg %d of %s", i, id).isEqualTo(expected);
                }
            } else if (!(command instanceof RegisterAgent || command instanceof SuspendAgent
                    || command instanceof ReactivateAgent || command instanceof SubmitClaim
                    || command instanceof VerifyClaim || command instanceof DisputeClaim)) {
                assertThat(rows.getOrDefault(id, 0L)).as("transfer rows of %s %s", command, id).isEqualTo(expected);
            }
        });
    }

    private List<Envelope<LedgerCommand>> randomCommands(Random random, LedgerTestClient client, List<UUID> agents) {
        List<Envelope<LedgerCommand>> out = new ArrayList<>();
        List<UUID> reservations = new ArrayList<>();
        List<UUID> claims = new ArrayList<>();
        for (int i = 0; i < COMMANDS; i++) {
            int dice = random.nextInt(100);
            // Posts and voids name reservations sent a while before: they travel on another key and may still
            // overtake them (then they wait for them, parked), but mostly they find them.
            List<UUID> settled = reservations.subList(0, Math.max(0, reservations.size() - 10));
            LedgerCommand command;
            if (dice < 15) {
                command = new GrantKarma(pick(random, agents), 1 + random.nextInt(200));
            } else if (dice < 45) {
                command = new TransferKarma(account(random, agents), account(random, agents), amount(random));
            } else if (dice < 55) {
                List<TransferBatch.Leg> legs = new ArrayList<>();
                for (int l = random.nextInt(4); l >= 0; l--) {
                    legs.add(new TransferBatch.Leg(account(random, agents), account(random, agents), amount(random)));
                }
                command = new TransferBatch(legs);
            } else if (dice < 72) {
                // Timeouts of three to nine seconds: some expire before their post arrives, the rest are swept.
                command = new ReserveKarma(account(random, agents), account(random, agents), amount(random),
                        Instant.now().plusMillis(3000 + random.nextInt(6000)));
            } else if (dice < 84 && !settled.isEmpty()) {
                command = new PostPending(pick(random, settled));
            } else if (dice < 90 && !settled.isEmpty()) {
                command = new VoidPending(random.nextInt(10) == 0 ? UUID.randomUUID() : pick(random, settled));
            } else if (dice < 93) {
                UUID claim = UUID.randomUUID();
                claims.add(claim);
                command = new SubmitClaim(claim, pick(random, agents), "claim " + i, "statement", Map.of("n", i),
                        random.nextInt(3) == 0 ? 0 : amount(random));
            } else if (dice < 96 && !claims.isEmpty()) {
                command = random.nextBoolean() ? new VerifyClaim(pick(random, claims), pick(random, agents))
                        : new DisputeClaim(pick(random, claims), pick(random, agents));
            } else if (dice < 98) {
                command = random.nextInt(3) == 0 ? new SuspendAgent(pick(random, agents)) : new ReactivateAgent(pick(random, agents));
            } else {
                command = new TransferKarma(pick(random, agents), random.nextBoolean() ? UUID.randomUUID() : pick(random, agents),
                        random.nextBoolean() ? 0 : -random.nextInt(10));
            }
            Envelope<LedgerCommand> envelope = client.envelope(command);
            if (command instanceof ReserveKarma) {
                reservations.add(envelope.id());
            }
            out.add(envelope);
            if (random.nextInt(10) == 0) {
                out.add(envelope); // a producer retry
            }
        }
        // Reorder across keys: swap neighbours within a small window (the duplicates move too).
        for (int i = 0; i < out.size(); i++) {
            int j = Math.min(out.size() - 1, i + random.nextInt(20));
            Collections.swap(out, i, j);
        }
        return out;
    }

    /** Mostly agents, sometimes the treasury (which may go negative). */
    private static UUID account(Random random, List<UUID> agents) {
        return random.nextInt(15) == 0 ? Accounts.TREASURY : pick(random, agents);
    }

    private static long amount(Random random) {
        return 1 + random.nextInt(random.nextInt(5) == 0 ? 500 : 60);
    }

    private static <T> T pick(Random random, List<T> from) {
        return from.get(random.nextInt(from.size()));
    }

    private long outcomes(Set<UUID> ids) {
        return jdbc.queryForObject("select count(*) from processed_commands where command_id = any(?)", Long.class,
                (Object) ids.toArray(UUID[]::new));
    }

    private ConfigurableApplicationContext start() {
        return LedgerWorkerApplication.application().run(env.commandLineArgs("--server.port=0",
                "--platform.consumer.max-poll-records=50", "--platform.ledger.expiry-sweep-interval-ms=200",
                "--platform.ledger.parked-resolutions.deadline=5s"));
    }
}
