@NullMarked
package org.agentplatform.jobs;

import org.jspecify.annotations.NullMarked;
