@NullMarked
package org.agentplatform.ingest.escrows;

import org.jspecify.annotations.NullMarked;
