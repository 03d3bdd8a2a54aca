@NullMarked
package org.agentplatform.schema.admission;

import org.jspecify.annotations.NullMarked;
