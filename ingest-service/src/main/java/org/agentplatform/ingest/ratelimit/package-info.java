@NullMarked
package org.agentplatform.ingest.ratelimit;

import org.jspecify.annotations.NullMarked;
