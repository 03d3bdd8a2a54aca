@NullMarked
package org.agentplatform.ingest.actor;

import org.jspecify.annotations.NullMarked;
