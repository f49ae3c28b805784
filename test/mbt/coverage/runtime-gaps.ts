// Transitions no run covers, each with the reason, so the coverage check distinguishes them from a
// path that is merely missing. A listed transition that a run does cover fails the check, so the
// lists stay true. Transitions that no context enables at all are found by model-reachability.ts
// and need no entry.

/**
 * Transitions some context enables, but whose context the machine itself never reaches: a finding
 * about the model.
 */
export const modelInvariantGaps: Readonly<Record<string, string>> = {
  'endpoint:NORMAL.CONNECTED[0]':
    'NORMAL is entered only on a STATE or UPDDONE over a connection and left when it fails',
  'endpoint:POTENTIAL-CONFLICT.CONNECTED[0]':
    'POTENTIAL-CONFLICT is entered only on a STATE over a connection and left when it fails',
};

/** Transitions the machines can take but the runtime never drives them to: runtime findings. */
export const runtimeGaps: Readonly<Record<string, string>> = {
  'endpoint:STARTUP.STARTUP_EXPIRED[0]':
    'no config field selects the keep-waiting STARTUP policy, so the runtime always passes none',
  'endpoint:STARTUP.STARTUP_EXPIRED[1]':
    'no config field selects the partner-down STARTUP policy (FO-9.3.2-b)',
  'endpoint:STARTUP.STARTUP_EXPIRED[2]':
    'the microsoft profile does not select the serve-without-history STARTUP policy (MSF-3.1.6.3-b)',
  'connection:awaiting-STATE.CLOSE[0]':
    'the runtime closes an established connection through FailoverConnection.disconnect, never CLOSE',
  'connection:communications-ok.CLOSE[0]':
    'the runtime closes an established connection through FailoverConnection.disconnect, never CLOSE',
  'connection:closing.STOP[0]':
    'closing the socket raises SOCKET_CLOSED within the same call, so closing is never seen by STOP',
  'update-flow:counting.CONNECTION_LOST[0]':
    'COUNTED answers COUNT_PENDING within the same call, so counting never sees another event',
  'update-flow:counting.BNDUPD_SENT[0]':
    'COUNTED answers COUNT_PENDING within the same call, so counting never sees another event',
  'update-flow:counting.BNDACK[0]':
    'COUNTED answers COUNT_PENDING within the same call, so counting never sees another event',
  'update-flow:counting.UPDREQ[0]':
    'COUNTED answers COUNT_PENDING within the same call, so counting never sees another event',
  'update-flow:counting.UPDREQALL[0]':
    'COUNTED answers COUNT_PENDING within the same call, so counting never sees another event',
};
