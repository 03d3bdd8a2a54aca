@NullMarked
package org.agentplatform.schema.migration;

import org.jspecify.annotations.NullMarked;
