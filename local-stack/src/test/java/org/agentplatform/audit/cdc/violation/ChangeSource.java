package org.agentplatform.audit.cdc.violation;

import org.agentplatform.audit.log.violation.LogThatReadsTheSource;

/** A deliberate violation for ArchitectureTest: a stand-in for the change stream, in a cycle with the log. */
public class ChangeSource {

    LogThatReadsTheSource log;
}
