@NullMarked
package org.agentplatform.ingest.client;

import org.jspecify.annotations.NullMarked;
