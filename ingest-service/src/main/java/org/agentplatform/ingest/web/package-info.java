@NullMarked
package org.agentplatform.ingest.web;

import org.jspecify.annotations.NullMarked;
