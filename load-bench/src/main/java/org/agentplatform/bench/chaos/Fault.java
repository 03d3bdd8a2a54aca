package org.agentplatform.bench.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** A fault the chaos run injects; each names its targets so that a schedule can be printed and replayed. */
sealed interface Fault {

    String describe();

    /** {@code kill -9} of worker instances at once, each restarted by a supervisor after {@code restartAfter}. */
    record KillInstances(List<String> names, Duration restartAfter) implements Fault {
        public String describe() {
            return "kill -9 " + String.join(" + ", names) + " (restart after " + restartAfter.toMillis() + " ms)";
        }
    }

    /**
     * {@code kill -9} of both instances of a kind, {@code gap} apart: the second dies inside the first one's
     * consumer session timeout, while the group is still waiting for the first.
     */
    record KillInSuccession(List<String> names, Duration gap, Duration restartAfter) implements Fault {
        public String describe() {
            return "kill -9 " + names.get(0) + ", then " + names.get(1) + " " + gap.toMillis() + " ms later (restart after "
                    + restartAfter.toMillis() + " ms)";
        }
    }

    /** {@code kill -9} of whichever audit worker holds the leadership at that moment. */
    record KillAuditLeader(Duration restartAfter) implements Fault {
        public String describe() {
            return "kill -9 the audit leader (restart after " + restartAfter.toMillis() + " ms)";
        }
    }

    /** {@code kill -9} of the ingest service while requests are in flight. */
    record KillIngest(Duration restartAfter) implements Fault {
        public String describe() {
            return "kill -9 ingest-1 mid-request (restart after " + restartAfter.toMillis() + " ms)";
        }
    }

    /** {@code pg_ctl stop -m immediate}, started again after {@code down}. */
    record StopPostgres(Duration down) implements Fault {
        public String describe() {
            return "PostgreSQL immediate stop (down " + down.toMillis() + " ms)";
        }
    }

    /** {@code kill -9} of the broker, started again on its directory after {@code down}. */
    record KillBroker(Duration down) implements Fault {
        public String describe() {
            return "kill -9 the broker (down " + down.toMillis() + " ms)";
        }
    }

    /** A fault at its offset from the start of the load. */
    record Scheduled(Duration at, Fault fault) {
    }

    /**
     * The schedule for {@code seed}: the same seed gives the same faults at the same offsets. Every worker kind is
     * killed alone, two instances at once (of different kinds) and twice within the consumer session timeout
     * (both instances of a kind, 3 s apart); the audit leader, the ingest mid-request, PostgreSQL (immediate
     * stop, at a random moment) and the broker. The short mode takes one of each main kind; the long mode deals
     * the whole deck again and again, reshuffled, with two PostgreSQL stops in each deck.
     */
    static List<Scheduled> schedule(long seed, Duration load, boolean shortMode) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Scheduled> out = new ArrayList<>();
        if (shortMode) {
            List<Fault> deck = new ArrayList<>(List.of(kill(random, "ledger-" + (1 + random.nextInt(2))),
                    new StopPostgres(millis(random, 2000, 5000)), new KillAuditLeader(millis(random, 1000, 3000)),
                    twoKinds(random), new KillIngest(millis(random, 500, 2000)), new KillBroker(millis(random, 2000, 4000)),
                    kill(random, "job-" + (1 + random.nextInt(2))), new StopPostgres(millis(random, 1000, 4000))));
            shuffle(deck, random);
            long step = load.toMillis() / (deck.size() + 1);
            for (int i = 0; i < deck.size(); i++) {
                out.add(new Scheduled(Duration.ofMillis(step * (i + 1) + random.nextInt(1000) - 500), deck.get(i)));
            }
            return out;
        }
        long at = 15_000;
        long end = load.toMillis() - 30_000;
        while (at < end) {
            List<Fault> deck = deck(random);
            shuffle(deck, random);
            for (Fault f : deck) {
                if (at >= end) {
                    break;
                }
                out.add(new Scheduled(Duration.ofMillis(at), f));
                at += 20_000 + random.nextInt(10_000);
            }
        }
        return out;
    }

    private static List<Fault> deck(SplittableRandom random) {
        List<Fault> deck = new ArrayList<>();
        for (String kind : List.of("ledger", "job", "audit")) {
            deck.add(kill(random, kind + "-" + (1 + random.nextInt(2))));
        }
        deck.add(twoKinds(random));
        deck.add(inSuccession(random, "ledger"));
        deck.add(inSuccession(random, "job"));
        deck.add(new KillAuditLeader(millis(random, 1000, 3000)));
        deck.add(new KillIngest(millis(random, 500, 2000)));
        deck.add(new StopPostgres(millis(random, 1000, 6000)));
        deck.add(new StopPostgres(millis(random, 1000, 6000)));
        deck.add(new KillBroker(millis(random, 2000, 5000)));
        return deck;
    }

    private static KillInstances kill(SplittableRandom random, String name) {
        return new KillInstances(List.of(name), millis(random, 1000, 3000));
    }

    private static KillInSuccession inSuccession(SplittableRandom random, String kind) {
        int first = 1 + random.nextInt(2);
        return new KillInSuccession(List.of(kind + "-" + first, kind + "-" + (3 - first)), Duration.ofSeconds(3),
                millis(random, 1000, 3000));
    }

    private static KillInstances twoKinds(SplittableRandom random) {
        return new KillInstances(List.of("ledger-" + (1 + random.nextInt(2)), "job-" + (1 + random.nextInt(2))),
                millis(random, 1000, 3000));
    }

    private static Duration millis(SplittableRandom random, int min, int max) {
        return Duration.ofMillis(min + random.nextInt(max - min));
    }

    private static <T> void shuffle(List<T> list, SplittableRandom random) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            T t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }
}
