@NullMarked
package org.agentplatform.schema.ledger;

import org.jspecify.annotations.NullMarked;
