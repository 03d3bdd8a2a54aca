@NullMarked
package org.agentplatform.audit.cdc;

import org.jspecify.annotations.NullMarked;
