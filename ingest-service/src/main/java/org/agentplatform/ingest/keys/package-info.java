@NullMarked
package org.agentplatform.ingest.keys;

import org.jspecify.annotations.NullMarked;
