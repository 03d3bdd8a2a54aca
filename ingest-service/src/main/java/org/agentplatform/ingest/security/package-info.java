@NullMarked
package org.agentplatform.ingest.security;

import org.jspecify.annotations.NullMarked;
