@NullMarked
package org.agentplatform.schema.messaging;

import org.jspecify.annotations.NullMarked;
