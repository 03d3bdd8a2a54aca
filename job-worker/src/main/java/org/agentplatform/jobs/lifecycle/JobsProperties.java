package org.agentplatform.jobs.lifecycle;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the job lifecycle. (There is no escrow hold time: a priced job's price is held until the job
 * worker settles it, see {@link Escrow#HOLD_UNTIL}.)
 *
 * @param backoffBase    delay before the retry after the first failed attempt; doubles with every attempt
 * @param backoffMax     the cap of that delay (before jitter)
 * @param backoffJitter  up to this fraction is added at random, so retries of jobs that failed together spread out
 * @param rescueInterval how often each instance looks for expired leases
 * @param rescueBatch    expired leases rescued per transaction
 * @param sagaInterval   how often each instance publishes escrow commands and reads their outcomes
 * @param sagaResendAfter a sent escrow command still without an outcome after this long is published again (a
 *                        record can be lost before the ledger reads it, e.g. dead-lettered while its database was down)
 * @param sagaMaxResends after this many resends without an outcome the job's escrow is marked STUCK for an operator;
 *                       with the defaults an hour: a worker backlog or a database outage must not make escrows STUCK
 *                       whose commands are merely queued (an outcome recorded after that is left to the operator)
 */
@ConfigurationProperties(prefix = "platform.jobs")
record JobsProperties(
        @DefaultValue("1s") Duration backoffBase,
        @DefaultValue("1h") Duration backoffMax,
        @DefaultValue("0.25") double backoffJitter,
        @DefaultValue("1s") Duration rescueInterval,
        @DefaultValue("500") int rescueBatch,
        @DefaultValue("200ms") Duration sagaInterval,
        @DefaultValue("60s") Duration sagaResendAfter,
        @DefaultValue("60") int sagaMaxResends) {
}
