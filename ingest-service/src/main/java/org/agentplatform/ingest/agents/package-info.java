@NullMarked
package org.agentplatform.ingest.agents;

import org.jspecify.annotations.NullMarked;
