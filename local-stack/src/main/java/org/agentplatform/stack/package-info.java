@NullMarked
package org.agentplatform.stack;

import org.jspecify.annotations.NullMarked;
