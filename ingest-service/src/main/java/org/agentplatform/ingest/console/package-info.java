@NullMarked
package org.agentplatform.ingest.console;

import org.jspecify.annotations.NullMarked;
