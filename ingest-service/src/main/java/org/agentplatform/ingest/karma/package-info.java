@NullMarked
package org.agentplatform.ingest.karma;

import org.jspecify.annotations.NullMarked;
