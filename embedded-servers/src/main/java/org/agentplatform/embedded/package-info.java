@NullMarked
package org.agentplatform.embedded;

import org.jspecify.annotations.NullMarked;
