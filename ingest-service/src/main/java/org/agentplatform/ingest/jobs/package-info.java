@NullMarked
package org.agentplatform.ingest.jobs;

import org.jspecify.annotations.NullMarked;
