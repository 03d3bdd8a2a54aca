@NullMarked
package org.agentplatform.runtime;

import org.jspecify.annotations.NullMarked;
