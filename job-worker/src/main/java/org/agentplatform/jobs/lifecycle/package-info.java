@NullMarked
package org.agentplatform.jobs.lifecycle;

import org.jspecify.annotations.NullMarked;
