@NullMarked
package org.agentplatform.bench;

import org.jspecify.annotations.NullMarked;
