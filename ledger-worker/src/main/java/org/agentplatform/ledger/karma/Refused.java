package org.agentplatform.ledger.karma;

/**
 * A command refused by a domain rule: the reason code clients branch on, and a detail for people. What a refused
 * movement of karma returns, and what the agent and claim rules return when they say no.
 */
record Refused(String reason, String detail) implements Posting {
}
