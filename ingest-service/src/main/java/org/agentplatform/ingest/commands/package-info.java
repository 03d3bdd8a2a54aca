@NullMarked
package org.agentplatform.ingest.commands;

import org.jspecify.annotations.NullMarked;
