package org.agentplatform.bench;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import org.agentplatform.embedded.KafkaServer;

/**
 * The benchmark's Kafka broker, run in a JVM of its own ({@link ChildProcess#main}) so that its CPU and memory
 * are measured apart from the services and the load generator. Arguments: log directory, port. Prints
 * {@code BROKER READY <bootstrap>} once it accepts connections; stops on SIGTERM.
 */
public final class BrokerMain {

    private BrokerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        KafkaServer kafka = KafkaServer.start(Path.of(args[0]), Integer.parseInt(args[1]));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            kafka.close();
            stopped.countDown();
        }, "broker-shutdown"));
        System.out.println("BROKER READY " + kafka.bootstrapServers());
        stopped.await();
    }
}
