package org.agentplatform.audit.cdc;

import io.debezium.snapshot.mode.InitialSnapshotter;

/**
 * Debezium's {@code initial} snapshot, except that streaming afterwards starts from the replication slot's
 * confirmed position instead of from the snapshot's own. Used (as {@code snapshot.mode=custom}) only to take
 * a snapshot again after an earlier attempt was interrupted: the slot still holds every change since the
 * first attempt began, so none of the changes committed between the attempts is skipped, and the rows keep
 * the first attempt's position (and so its change ids).
 *
 * <p>Public with a no-argument constructor: Debezium finds it through {@link java.util.ServiceLoader}.
 */
public class SnapshotFromSlot extends InitialSnapshotter {

    static final String NAME = "audit-snapshot-from-slot";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean shouldStreamEventsStartingFromSnapshot() {
        return false;
    }
}
