package org.agentplatform.ledger.karma;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param quorum    votes on one side that settle a claim (copied onto each claim when it is submitted)
 * @param reward    karma from the treasury to the claimant of a verified claim
 * @param stakeHold how long a stake stays reserved; a claim still open then gets its stake back by expiry
 */
@ConfigurationProperties(prefix = "platform.ledger.claims")
record ClaimsProperties(@DefaultValue("3") int quorum, @DefaultValue("10") long reward,
                        @DefaultValue("30d") Duration stakeHold) {

    ClaimsProperties {
        if (quorum < 1 || reward < 0) {
            throw new IllegalArgumentException("platform.ledger.claims: quorum must be >= 1 and reward >= 0");
        }
    }
}
