package org.agentplatform.bench;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;

import org.agentplatform.schema.jobs.JobEvent;
import org.agentplatform.schema.jobs.JobLeased;
import org.agentplatform.schema.messaging.MessageCodec;
import org.agentplatform.schema.messaging.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The job executors' side: reads {@code events.jobs} (as a real executor would learn of its lease) and hands each
 * {@code JobLeased} of one of the benchmark's executors to the workload, which completes the job in a later slot.
 * The lease therefore travels the whole way: command, job worker, outbox, CDC, event topic.
 */
public final class JobExecutors implements AutoCloseable {

    private static final MessageCodec CODEC = new MessageCodec();

    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private volatile boolean running = true;

    JobExecutors(String bootstrap, Topics topics, Workload workload) {
        this(bootstrap, topics, workload.executors(), workload::leased);
    }

    /** Hands each {@code JobLeased} of one of {@code executors} to {@code onLease}, on the reader's thread. */
    public JobExecutors(String bootstrap, Topics topics, Set<UUID> executors, Consumer<JobLeased> onLease) {
        consumer = new KafkaConsumer<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG, "load-bench-executors-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                // the topic appears with the first job event: without a short metadata age the subscription
                // would notice it only at the next refresh, five minutes later by default
                ConsumerConfig.METADATA_MAX_AGE_CONFIG, 1000),
                new StringDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of(topics.events(Topics.AGGREGATE_JOB)));
        thread = new Thread(() -> {
            try {
                while (running) {
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        Header type = r.headers().lastHeader("eventType");
                        if (type == null || !"JobLeased".equals(new String(type.value(), StandardCharsets.UTF_8))) {
                            continue;
                        }
                        if (CODEC.decode(r.value(), JobEvent.class).payload() instanceof JobLeased lease
                                && executors.contains(lease.executorId())) {
                            onLease.accept(lease);
                        }
                    }
                }
            } catch (WakeupException e) {
                // closing
            } finally {
                consumer.close();
            }
        }, "bench-job-executors");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(5000);
    }
}
