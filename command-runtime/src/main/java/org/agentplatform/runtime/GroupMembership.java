package org.agentplatform.runtime;

import java.util.Collection;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.listener.ConsumerAwareRebalanceListener;

/**
 * The rebalance listener of a container: logs every assignment and revocation with its partitions at INFO (a
 * lost assignment at WARN), and tracks which consumer threads have joined the group (received an assignment,
 * possibly empty when the group has more members than partitions), for readiness. Extend it to act on
 * assignment; call {@code super} first.
 */
public class GroupMembership implements ConsumerAwareRebalanceListener {

    private static final Logger log = LoggerFactory.getLogger(GroupMembership.class);

    private final String groupId;
    private final Set<Consumer<?, ?>> joined = Collections.newSetFromMap(Collections.synchronizedMap(new IdentityHashMap<>()));

    public GroupMembership(String groupId) {
        this.groupId = groupId;
    }

    public String groupId() {
        return groupId;
    }

    /** Whether {@code consumers} threads have each received an assignment: before that they consume nothing. */
    public boolean joined(int consumers) {
        return joined.size() >= consumers;
    }

    @Override
    public void onPartitionsAssigned(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        joined.add(consumer);
        log.info("Group {}: assigned {} (member {})", groupId, partitions, member(consumer));
    }

    @Override
    public void onPartitionsRevokedAfterCommit(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        if (!partitions.isEmpty()) {
            log.info("Group {}: revoked {} (member {})", groupId, partitions, member(consumer));
        }
        if (partitions.containsAll(assignment(consumer))) {
            // everything it had: it is closing, or a rebalance follows (whose assignment, if any, re-joins it)
            joined.remove(consumer);
        }
    }

    private static Collection<TopicPartition> assignment(Consumer<?, ?> consumer) {
        try {
            return consumer.assignment();
        } catch (RuntimeException e) {
            return java.util.Set.of();
        }
    }

    @Override
    public void onPartitionsLost(Consumer<?, ?> consumer, Collection<TopicPartition> partitions) {
        log.warn("Group {}: lost {} (member {} was thrown out of the group; another owns them now)", groupId, partitions,
                member(consumer));
    }

    private static String member(Consumer<?, ?> consumer) {
        try {
            return consumer.groupMetadata().memberId();
        } catch (RuntimeException e) {
            return "?"; // closed or not yet in the group
        }
    }
}
