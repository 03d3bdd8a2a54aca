@NullMarked
package org.agentplatform.audit.log;

import org.jspecify.annotations.NullMarked;
