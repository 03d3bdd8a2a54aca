@NullMarked
package org.agentplatform.ledger;

import org.jspecify.annotations.NullMarked;
