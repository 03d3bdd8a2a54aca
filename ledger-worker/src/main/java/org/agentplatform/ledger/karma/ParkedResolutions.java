package org.agentplatform.ledger.karma;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.agentplatform.runtime.Outcome;

/**
 * The parked posts and voids one batch deals with: those stored for the reservations it makes (locked), and
 * those it parks itself. Kept by pending id in arrival order, so the first one wins when the reservation comes.
 */
final class ParkedResolutions {

    private final Map<UUID, List<ParkedResolution>> waiting = new LinkedHashMap<>();
    private final Set<UUID> stored = new HashSet<>();
    private final Set<UUID> neverReservations;
    private final Set<UUID> queued;
    private final Set<UUID> handled = new HashSet<>();
    private final List<UUID> decidedStored = new ArrayList<>();

    /**
     * @param locked            stored rows for the batch's reservations, in arrival order
     * @param neverReservations ids that no reservation can still have (see
     *                          {@link ParkedResolutionRepository#neverReservations})
     */
    ParkedResolutions(Collection<ParkedResolution> locked, Set<UUID> neverReservations) {
        this(locked, neverReservations, Set.of());
    }

    /**
     * @param queued existing reservations that still have stored resolutions parked for them (parked by a batch
     *               that ran while the reservation was being applied, left for the sweeper): a later post or void
     *               of one of them queues behind those, so that the first one still wins
     */
    ParkedResolutions(Collection<ParkedResolution> locked, Set<UUID> neverReservations, Set<UUID> queued) {
        this.neverReservations = neverReservations;
        this.queued = queued;
        for (ParkedResolution p : locked) {
            stored.add(p.commandId());
            waiting.computeIfAbsent(p.pendingId(), k -> new ArrayList<>()).add(p);
        }
    }

    /**
     * Whether a post or void of {@code pendingId} waits: there is no such reservation yet, and it may still come.
     * Not when the id is a transfer that is no reservation, a refused command, or a command this batch already
     * applied without making that reservation (a reservation it refused): those keep their answer at once.
     * Also when the reservation exists but earlier resolutions still wait for it: they are decided first.
     */
    boolean mayWait(UUID pendingId, Ledger ledger) {
        return queued.contains(pendingId)
                || !ledger.hasPending(pendingId) && !neverReservations.contains(pendingId) && !handled.contains(pendingId);
    }

    /** Parks it; the command's outcome until it is decided. */
    Outcome park(ParkedResolution parked) {
        waiting.computeIfAbsent(parked.pendingId(), k -> new ArrayList<>()).add(parked);
        return parked.deferred();
    }

    /** The batch applied (or refused) this command. */
    void handled(UUID commandId) {
        handled.add(commandId);
    }

    /** The resolutions waiting for {@code pendingId}, in arrival order; its reservation was just made. */
    List<ParkedResolution> take(UUID pendingId) {
        List<ParkedResolution> taken = waiting.remove(pendingId);
        if (taken == null) {
            return List.of();
        }
        taken.stream().map(ParkedResolution::commandId).filter(stored::contains).forEach(decidedStored::add);
        return taken;
    }

    /** Stored rows decided in this batch: to delete. */
    List<UUID> decidedStored() {
        return decidedStored;
    }

    /** Parked by this batch and not decided in it: to store. */
    List<ParkedResolution> stillWaiting() {
        return waiting.values().stream().flatMap(List::stream).filter(p -> !stored.contains(p.commandId())).toList();
    }
}
