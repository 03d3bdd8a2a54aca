@NullMarked
package org.agentplatform.ingest.claims;

import org.jspecify.annotations.NullMarked;
