package org.agentplatform.bench;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.agentplatform.embedded.KafkaServer;

/**
 * The benchmark's Kafka broker, run in a JVM of its own ({@link ChildProcess#main}) so that its CPU and memory
 * are measured apart from the services and the load generator. Arguments: log directory, port and
 * optionally the controller port (a broker restarted on the same directory keeps both), then broker properties
 * as {@code name=value}. Prints
 * {@code BROKER READY <bootstrap>} once it accepts connections; stops on SIGTERM.
 */
public final class BrokerMain {

    private BrokerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Map<String, String> overrides = new HashMap<>();
        for (int i = 3; i < args.length; i++) {
            String[] kv = args[i].split("=", 2);
            overrides.put(kv[0], kv[1]);
        }
        KafkaServer kafka = KafkaServer.start(Path.of(args[0]), Integer.parseInt(args[1]),
                args.length > 2 ? Integer.parseInt(args[2]) : 0, overrides);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            kafka.close();
            stopped.countDown();
        }, "broker-shutdown"));
        System.out.println("BROKER READY " + kafka.bootstrapServers());
        stopped.await();
    }
}
