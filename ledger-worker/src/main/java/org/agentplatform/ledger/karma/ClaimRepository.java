package org.agentplatform.ledger.karma;

import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.agentplatform.schema.ledger.ClaimStatus;
import org.agentplatform.schema.messaging.MessageCodec;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** Set-based SQL for the claims of a batch. Claims are locked first, before pending transfers and accounts. */
@Repository
class ClaimRepository {

    private final JdbcTemplate jdbc;
    private final MessageCodec codec;

    ClaimRepository(JdbcTemplate jdbc, MessageCodec codec) {
        this.jdbc = jdbc;
        this.codec = codec;
    }

    /** Locks the claims in id order, with who voted on them. */
    List<Claim> lock(Collection<UUID> ids) {
        if (ids.isEmpty()) {
            return List.of();
        }
        UUID[] array = ids.toArray(UUID[]::new);
        List<Object[]> rows = jdbc.query("""
                select id, claimant_id, stake, stake_pending_id, quorum, status, verifications, disputes from claims
                where id = any(?) order by id for update""",
                (rs, n) -> new Object[] {rs.getObject(1, UUID.class), rs.getObject(2, UUID.class), rs.getLong(3),
                        rs.getObject(4, UUID.class), rs.getInt(5), rs.getString(6), rs.getInt(7), rs.getInt(8)},
                (Object) array);
        if (rows.isEmpty()) {
            return List.of();
        }
        Map<UUID, Set<UUID>> voters = new HashMap<>();
        jdbc.query("select claim_id, voter_id from claim_votes where claim_id = any(?)", rs -> {
            voters.computeIfAbsent(rs.getObject(1, UUID.class), k -> new HashSet<>()).add(rs.getObject(2, UUID.class));
        }, (Object) array);
        return rows.stream().map(r -> new Claim((UUID) r[0], (UUID) r[1], (long) r[2], (UUID) r[3], (int) r[4],
                ClaimStatus.valueOf((String) r[5]), (int) r[6], (int) r[7], voters.getOrDefault((UUID) r[0], Set.of()),
                false)).toList();
    }

    void insertClaims(List<NewClaim> claims, Instant at) {
        if (claims.isEmpty()) {
            return;
        }
        Timestamp ts = Timestamp.from(at);
        jdbc.batchUpdate("""
                insert into claims (id, claimant_id, subject, statement, evidence, stake, stake_pending_id, quorum,
                    status, verifications, disputes, created_at, updated_at)
                values (?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?)""",
                claims, claims.size(), (ps, c) -> {
                    ps.setObject(1, c.claim().id());
                    ps.setObject(2, c.claim().claimantId());
                    ps.setString(3, c.subject());
                    ps.setString(4, c.statement());
                    ps.setString(5, codec.mapper().writeValueAsString(c.evidence()));
                    ps.setLong(6, c.claim().stake());
                    ps.setObject(7, c.claim().stakePendingId(), Types.OTHER);
                    ps.setInt(8, c.claim().quorum());
                    ps.setString(9, c.claim().status().name());
                    ps.setInt(10, c.claim().verifications());
                    ps.setInt(11, c.claim().disputes());
                    ps.setTimestamp(12, ts);
                    ps.setTimestamp(13, ts);
                });
    }

    void updateClaims(List<Claim> claims, Instant at) {
        if (claims.isEmpty()) {
            return;
        }
        jdbc.update("""
                update claims c set status = v.status, verifications = v.verifications, disputes = v.disputes,
                    updated_at = ?
                from unnest(?::uuid[], ?::text[], ?::int[], ?::int[]) as v(id, status, verifications, disputes)
                where c.id = v.id""",
                Timestamp.from(at),
                claims.stream().map(Claim::id).toArray(UUID[]::new),
                claims.stream().map(c -> c.status().name()).toArray(String[]::new),
                claims.stream().map(Claim::verifications).toArray(Integer[]::new),
                claims.stream().map(Claim::disputes).toArray(Integer[]::new));
    }

    void insertVotes(List<Vote> votes, Instant at) {
        if (votes.isEmpty()) {
            return;
        }
        Timestamp ts = Timestamp.from(at);
        jdbc.batchUpdate("insert into claim_votes (claim_id, voter_id, verified, command_id, voted_at) values (?, ?, ?, ?, ?)",
                votes, votes.size(), (ps, v) -> {
                    ps.setObject(1, v.claimId());
                    ps.setObject(2, v.voterId());
                    ps.setBoolean(3, v.verified());
                    ps.setObject(4, v.commandId());
                    ps.setTimestamp(5, ts);
                });
    }

    void insertHistory(List<StatusChange> changes, Instant at) {
        if (changes.isEmpty()) {
            return;
        }
        Timestamp ts = Timestamp.from(at);
        jdbc.batchUpdate("insert into claim_status_history (claim_id, status, command_id, changed_at) values (?, ?, ?, ?)",
                changes, changes.size(), (ps, c) -> {
                    ps.setObject(1, c.claimId());
                    ps.setString(2, c.status().name());
                    ps.setObject(3, c.commandId());
                    ps.setTimestamp(4, ts);
                });
    }

    record NewClaim(Claim claim, String subject, String statement, Map<String, Object> evidence) {
    }

    record Vote(UUID claimId, UUID voterId, boolean verified, UUID commandId) {
    }

    record StatusChange(UUID claimId, ClaimStatus status, UUID commandId) {
    }
}
