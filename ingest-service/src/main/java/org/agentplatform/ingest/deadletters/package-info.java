@NullMarked
package org.agentplatform.ingest.deadletters;

import org.jspecify.annotations.NullMarked;
