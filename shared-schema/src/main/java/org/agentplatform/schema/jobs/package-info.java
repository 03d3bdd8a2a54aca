@NullMarked
package org.agentplatform.schema.jobs;

import org.jspecify.annotations.NullMarked;
