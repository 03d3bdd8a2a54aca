package org.agentplatform.ingest.commands;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param prefix     prepended to every topic name (empty in production; tests isolate themselves with it)
 * @param partitions partitions of the command topics when this service is the first to need them
 */
@ConfigurationProperties(prefix = "platform.topics")
record TopicProperties(@DefaultValue("") String prefix, @DefaultValue("4") int partitions) {
}
