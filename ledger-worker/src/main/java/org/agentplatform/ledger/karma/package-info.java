@NullMarked
package org.agentplatform.ledger.karma;

import org.jspecify.annotations.NullMarked;
