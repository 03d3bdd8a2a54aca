/**
 * Where reads run: on the streaming read replica when one is configured, once it has replayed what the primary
 * had committed when the read began (so a client reads its own writes), else on the primary.
 */
@NullMarked
package org.agentplatform.ingest.reads;

import org.jspecify.annotations.NullMarked;
