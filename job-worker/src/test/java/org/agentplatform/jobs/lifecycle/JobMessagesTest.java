package org.agentplatform.jobs.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import org.agentplatform.schema.jobs.JobCommand;
import org.agentplatform.schema.jobs.JobEvent;
import org.agentplatform.schema.jobs.JobLeased;
import org.agentplatform.schema.jobs.RequestLease;
import org.agentplatform.schema.jobs.SubmitJob;
import org.agentplatform.schema.messaging.Envelope;
import org.agentplatform.schema.messaging.MessageCodec;
import org.agentplatform.schema.messaging.Topics;
import org.junit.jupiter.api.Test;

import tools.jackson.databind.node.JsonNodeFactory;

/** Job messages survive the wire and land on the right topics with the right keys. */
class JobMessagesTest {

    final MessageCodec codec = new MessageCodec();

    @Test
    void roundTripsJobCommandsAndEvents() {
        SubmitJob submit = new SubmitJob(UUID.randomUUID(), UUID.randomUUID(),
                JsonNodeFactory.instance.objectNode().put("image", "x").put("cpu", 2), 7, 3, Duration.ofMillis(1500), null);
        Envelope<JobCommand> sent = Envelope.of(UUID.randomUUID(), submit, "test", Instant.parse("2026-11-25T10:00:00Z"));
        assertThat(codec.decode(codec.encode(sent), JobCommand.class)).isEqualTo(sent);

        JobLeased leased = new JobLeased(submit.jobId(), UUID.randomUUID(), 4, 2, Instant.parse("2026-11-25T10:00:30Z"),
                submit.spec());
        Envelope<JobEvent> event = Envelope.of(UUID.randomUUID(), leased, "test", Instant.now());
        assertThat(codec.decode(codec.encode(event), JobEvent.class)).isEqualTo(event);
        assertThat(leased.aggregateType()).isEqualTo("job");
        assertThat(leased.aggregateId()).isEqualTo(submit.jobId().toString());
    }

    @Test
    void jobCommandsGoToTheJobTopicKeyedByJobOrByExecutor() {
        Topics topics = new Topics("p.");
        UUID executor = UUID.randomUUID();
        assertThat(topics.commandsFor(new RequestLease(executor))).isEqualTo("p.commands.jobs");
        assertThat(new RequestLease(executor).partitionKey()).isEqualTo(executor.toString());
    }
}
