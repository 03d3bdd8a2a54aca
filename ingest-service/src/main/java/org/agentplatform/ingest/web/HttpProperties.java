package org.agentplatform.ingest.web;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * @param maxBodySize the largest request body read; commands are small, so anything bigger is refused (413)
 *                    before it costs memory
 */
@ConfigurationProperties(prefix = "ingest.http")
record HttpProperties(@DefaultValue("64KB") DataSize maxBodySize) {
}
