/**
 * Reputation's roll-up: the workers' triggers queue what became due in their own transactions (V14), and this
 * package derives and sums it, one ledger worker at a time.
 */
@NullMarked
package org.agentplatform.ledger.reputation;

import org.jspecify.annotations.NullMarked;
