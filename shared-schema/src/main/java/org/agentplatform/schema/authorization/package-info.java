@NullMarked
package org.agentplatform.schema.authorization;

import org.jspecify.annotations.NullMarked;
