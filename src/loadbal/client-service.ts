// Whether this server answers a DHCP client in its current failover state: the client-service
// permission of the state (draft-12 section 9) combined with hash-bucket load balancing in NORMAL
// (FO-9.8.2-a). The DHCP front end asks this before it offers, acknowledges or records anything.

import { permissionsOf } from '../../model/state-permissions.js';
import type { Role } from '../../model/endpoint-types.js';
import type { FailoverStateName } from '../wire/codes.js';
import { clientHashBucket, ownerOfBucket } from './hash-bucket.js';

export interface ClientServiceQuery {
  role: Role;
  state: FailoverStateName;
  /**
   * The hash-bucket-assignment in force: the one a primary sends, or the one a secondary received
   * in the accepted CONNECT (FO-7.8.2-i). Read only in NORMAL.
   */
  hashBucketAssignment: Uint8Array | undefined;
  /** Load-balancing key of the client, from loadBalanceKeyOf. */
  key: Uint8Array;
  /** The request is a RENEW or REBIND of an existing lease, which is never load balanced. */
  renewal: boolean;
}

/**
 * Returns whether this server answers the client. NORMAL answers every renewal and other requests
 * only for the buckets this role owns (FO-9.8.2-a). States that serve all clients answer everyone
 * without load balancing (FO-9.9.2-a, FO-9.4.2-a), RECOVER-DONE only renewals (FO-9.7.1-a), and
 * the other states nobody. Without a map, as before any CONNECT, NORMAL answers renewals only.
 */
export function answersClient(query: ClientServiceQuery): boolean {
  switch (permissionsOf(query.state).clientService) {
    case 'none':
      return false;
    case 'renew-only':
      return query.renewal;
    case 'all':
      return true;
    case 'balanced':
      return query.renewal || ownsClientBucket(query);
  }
}

function ownsClientBucket(query: ClientServiceQuery): boolean {
  if (query.hashBucketAssignment === undefined) {
    return false;
  }

  return ownerOfBucket(query.hashBucketAssignment, clientHashBucket(query.key)) === query.role;
}
