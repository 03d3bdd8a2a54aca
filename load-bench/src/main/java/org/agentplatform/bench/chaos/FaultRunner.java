package org.agentplatform.bench.chaos;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.common.TopicPartition;
import org.jspecify.annotations.Nullable;

/**
 * Injects the schedule's faults at their offsets from the start of the load, on its own thread, and restarts
 * what it killed the way a supervisor would (after the fault's delay, without waiting for it to be ready).
 * Before a worker is killed it asks the broker which partitions the instance owns: those are the ones whose
 * recovery is measured.
 */
final class FaultRunner {

    static final List<String> GROUPS = List.of("ledger-worker", "job-worker");

    /** What happened: the fault, when it struck and when it was undone, and what it took away. */
    static final class Record {
        final int index;
        final String description;
        final String kind;
        volatile long struckAt;
        volatile long undoneAt;
        volatile long readyAt;
        final Map<String, Set<TopicPartition>> affected = new HashMap<>();
        volatile String note = "";
        /**
         * For a kill: whether every kind it struck kept a ready instance to take over (a failover), or not (the
         * recovery waits for a restart); null for PostgreSQL and the broker.
         */
        volatile @Nullable Boolean failover;

        Record(int index, String description, String kind) {
            this.index = index;
            this.description = description;
            this.kind = kind;
        }

        /** Adds a remark to the fault's note column. */
        void note(String remark) {
            note = note.isEmpty() ? remark : note + "; " + remark;
        }
    }

    private final Cluster cluster;
    private final ExecutorService supervisor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "chaos-supervisor");
        t.setDaemon(true);
        return t;
    });
    final List<Record> records = new CopyOnWriteArrayList<>();
    /** Restarted instances that exited on their own before they were ready (a product finding, not a fault). */
    final List<String> exitedWhileStarting = new CopyOnWriteArrayList<>();

    FaultRunner(Cluster cluster) {
        this.cluster = cluster;
    }

    /** Runs the schedule, telling {@code afterEach} of each fault injected; returns when the last one was. */
    void run(List<Fault.Scheduled> schedule, long loadStartMillis, java.util.function.Consumer<Record> afterEach) throws Exception {
        int i = 0;
        for (Fault.Scheduled s : schedule) {
            long wait = loadStartMillis + s.at().toMillis() - System.currentTimeMillis();
            if (wait > 0) {
                Thread.sleep(wait); // the schedule's offset, not a wait for the system
            }
            Record r = inject(++i, s.fault());
            records.add(r);
            afterEach.accept(r);
            System.out.printf("%n[%5.1f s] fault %d: %s%s%n", (r.struckAt - loadStartMillis) / 1000.0, r.index, r.description,
                    r.note.isEmpty() ? "" : " (" + r.note + ")");
        }
    }

    private Record inject(int index, Fault fault) throws Exception {
        if (fault instanceof Fault.KillInstances k) {
            Record r = new Record(index, fault.describe(), kindOf(k.names().get(0)) + (k.names().size() > 1 ? " x2" : ""));
            List<Cluster.Instance> targets = new ArrayList<>();
            for (String name : k.names()) {
                targets.add(cluster.instance(name));
            }
            kill(r, targets, k.restartAfter());
            return r;
        }
        if (fault instanceof Fault.KillInSuccession k) {
            Record r = new Record(index, fault.describe(), kindOf(k.names().get(0)) + " twice");
            kill(r, List.of(cluster.instance(k.names().get(0))), k.restartAfter());
            long first = r.struckAt;
            Thread.sleep(k.gap().toMillis());
            kill(r, List.of(cluster.instance(k.names().get(1))), k.restartAfter());
            r.struckAt = first;
            return r;
        }
        if (fault instanceof Fault.KillAuditLeader k) {
            String leader = auditLeader();
            Record r = new Record(index, fault.describe(), "audit leader");
            if (leader == null) {
                r.note("no leader found; killed audit-1");
                leader = "audit-1";
            } else {
                r.note("leader was " + leader);
            }
            kill(r, List.of(cluster.instance(leader)), k.restartAfter());
            return r;
        }
        if (fault instanceof Fault.KillIngest k) {
            Record r = new Record(index, fault.describe(), "ingest");
            kill(r, List.of(cluster.instance("ingest-1")), k.restartAfter());
            return r;
        }
        if (fault instanceof Fault.StopPostgres k) {
            Record r = new Record(index, fault.describe(), "postgres");
            r.struckAt = System.currentTimeMillis();
            cluster.stopPostgresImmediately();
            Thread.sleep(k.down().toMillis());
            cluster.startPostgres();
            r.undoneAt = System.currentTimeMillis();
            r.readyAt = r.undoneAt;
            return r;
        }
        Fault.KillBroker k = (Fault.KillBroker) fault;
        Record r = new Record(index, fault.describe(), "broker");
        r.struckAt = System.currentTimeMillis();
        cluster.killBroker();
        Thread.sleep(k.down().toMillis());
        cluster.startBroker();
        r.undoneAt = System.currentTimeMillis();
        r.readyAt = r.undoneAt;
        return r;
    }

    private void kill(Record r, List<Cluster.Instance> targets, Duration restartAfter) throws InterruptedException {
        // a target still restarting from an earlier fault is swapped for a live instance of its kind, if any
        List<Cluster.Instance> alive = new ArrayList<>();
        for (Cluster.Instance t : targets) {
            Cluster.Instance chosen = cluster.isAlive(t) ? t : cluster.instances(t.kind()).stream()
                    .filter(i -> cluster.isAlive(i) && !alive.contains(i) && !targets.contains(i)).findFirst().orElse(null);
            if (chosen == null) {
                r.note(t.name() + " was still restarting, no other to kill");
            } else {
                if (chosen != t) {
                    r.note(t.name() + " was still restarting: killed " + chosen.name());
                }
                alive.add(chosen);
            }
        }
        if (!alive.isEmpty()) { // probed first: the assignments read next are then the newest before the kill
            r.failover = (r.failover == null || r.failover) && everyKindKeepsAReadyInstance(alive);
        }
        assignments(alive).forEach((g, p) -> r.affected.computeIfAbsent(g, x -> new HashSet<>()).addAll(p));
        r.struckAt = System.currentTimeMillis();
        for (Cluster.Instance i : alive) {
            cluster.kill(i);
        }
        for (Cluster.Instance i : alive) {
            supervisor.submit(() -> {
                Thread.sleep(restartAfter.toMillis());
                // as a supervisor does: an instance that exits while starting is started again, and counted
                for (int attempt = 1; ; attempt++) {
                    if (!cluster.launch(i)) {
                        break; // a restart after an earlier fault is already under way
                    }
                    r.undoneAt = System.currentTimeMillis();
                    try {
                        cluster.awaitReady(i);
                        break;
                    } catch (IllegalStateException e) {
                        if (cluster.isAlive(i) || attempt == 5) {
                            throw e;
                        }
                        exitedWhileStarting.add(i.name() + " (after fault " + r.index + ")");
                        Thread.sleep(2000);
                    }
                }
                r.readyAt = Math.max(r.readyAt, System.currentTimeMillis());
                return null;
            });
        }
    }

    /** Whether each kind among {@code targets} has another instance that answers readiness now. */
    private boolean everyKindKeepsAReadyInstance(List<Cluster.Instance> targets) throws InterruptedException {
        for (Cluster.Instance t : targets) {
            boolean survivor = false;
            for (Cluster.Instance i : cluster.instances(t.kind())) {
                if (!targets.contains(i) && cluster.isReady(i)) {
                    survivor = true;
                    break;
                }
            }
            if (!survivor) {
                return false;
            }
        }
        return true;
    }

    /** The partitions each target owns now, per consumer group (static member ids start with the instance name). */
    private Map<String, Set<TopicPartition>> assignments(List<Cluster.Instance> targets) {
        Map<String, Set<TopicPartition>> out = new HashMap<>();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000, AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000))) {
            Map<String, ConsumerGroupDescription> groups = admin.describeConsumerGroups(GROUPS).all().get(5, TimeUnit.SECONDS);
            for (ConsumerGroupDescription g : groups.values()) {
                for (MemberDescription m : g.members()) {
                    String instance = m.groupInstanceId().orElse(m.clientId());
                    for (Cluster.Instance t : targets) {
                        if (instance.equals(t.name()) || instance.startsWith(t.name() + "-")) {
                            out.computeIfAbsent(g.groupId(), x -> new HashSet<>()).addAll(m.assignment().topicPartitions());
                        }
                    }
                }
            }
        } catch (Exception e) {
            System.err.println("Could not read the group assignments before a kill: " + e);
        }
        return out;
    }

    /** The instance holding the audit leadership lock (its session's application_name names it). */
    private @Nullable String auditLeader() {
        try (Connection c = cluster.postgres().dataSource(Cluster.DATABASE).getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("""
                     select a.application_name from pg_locks l join pg_stat_activity a on a.pid = l.pid
                     where l.locktype = 'advisory' and l.granted and a.application_name like 'audit-%'""")) {
            while (rs.next()) {
                for (Cluster.Instance i : cluster.instances("audit-worker")) {
                    if (rs.getString(1).endsWith("-" + i.name())) {
                        return i.name();
                    }
                }
            }
            return null;
        } catch (Exception e) {
            return null;
        }
    }

    private static String kindOf(String name) {
        return name.substring(0, name.lastIndexOf('-'));
    }

    /** Waits for the restarts in flight (bounded). */
    void awaitRestarts(Duration timeout) throws InterruptedException {
        supervisor.shutdown();
        supervisor.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }
}
