package org.agentplatform.audit.log.violation;

import org.agentplatform.audit.cdc.violation.ChangeSource;

/** A deliberate violation for ArchitectureTest: an audit log class that depends on the change stream. */
public class LogThatReadsTheSource {

    ChangeSource source;
}
