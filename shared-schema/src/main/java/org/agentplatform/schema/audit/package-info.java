@NullMarked
package org.agentplatform.schema.audit;

import org.jspecify.annotations.NullMarked;
