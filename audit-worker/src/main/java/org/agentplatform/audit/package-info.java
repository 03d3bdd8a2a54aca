@NullMarked
package org.agentplatform.audit;

import org.jspecify.annotations.NullMarked;
