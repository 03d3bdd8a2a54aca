@NullMarked
package org.agentplatform.bench.chaos;

import org.jspecify.annotations.NullMarked;
