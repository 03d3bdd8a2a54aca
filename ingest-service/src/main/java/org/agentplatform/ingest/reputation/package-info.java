/** Reading reputation, the projection V13's triggers keep (README "Reputation"): an agent's score, why, and ranks. */
@NullMarked
package org.agentplatform.ingest.reputation;

import org.jspecify.annotations.NullMarked;
