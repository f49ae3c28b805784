// Timer settings of every peer the model-based tests start. The harness moves a manual clock by
// these amounts, so each one raises exactly the timer it is meant for.

/** STARTUP period, seconds (FO-9.3.2-d); the config default. */
export const STARTUP_SECONDS = 5;
/** Safe period of COMMUNICATIONS-INTERRUPTED, seconds (FO-10-a); below the MCLT on purpose. */
export const SAFE_PERIOD_SECONDS = 100;
/** MCLT of both roles and of the partner's CONNECT, seconds. */
export const SEEDED_MCLT = 600;
/**
 * Our receive-timer, seconds. It is longer than any clock move of a path, so tReceive expires only
 * where a path moves the clock for it (FO-8.3-c).
 */
export const RECEIVE_TIMER_SECONDS = 100_000;
/** Wait between connection attempts, seconds (FO-8.2-b). */
export const CONNECT_RETRY_SECONDS = 5;
