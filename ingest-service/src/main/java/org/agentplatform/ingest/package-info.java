@NullMarked
package org.agentplatform.ingest;

import org.jspecify.annotations.NullMarked;
