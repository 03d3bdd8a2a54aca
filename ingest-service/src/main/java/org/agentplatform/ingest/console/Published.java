package org.agentplatform.ingest.console;

import org.agentplatform.ingest.commands.Accepted;
import org.springframework.http.ResponseEntity;

/** What the console tells the admin about a command it published: the id its outcome can be followed by. */
final class Published {

    private Published() {
    }

    static String commandOf(ResponseEntity<?> accepted) {
        return accepted.getBody() instanceof Accepted.CommandAccepted a ? "command " + a.commandId() : "a command";
    }
}
