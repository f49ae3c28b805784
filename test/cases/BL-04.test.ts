// BL-04: the Windows shared-secret digest (HMAC-SHA256). A missing or wrong digest drops the
// message and closes the connection with no reject-reason.

import { describe, it } from 'vitest';

describe('BL-04 Windows message digest', () => {
  it.todo(
    'BL-04: accepts a STATE whose HMAC-SHA256 digest matches the shared secret (needs the Microsoft profile of the peer)',
  );
  it.todo(
    'BL-04: closes without DISCONNECT on a digest with one bit flipped (needs the Microsoft profile of the peer)',
  );
  it.todo(
    'BL-04: closes without DISCONNECT on a STATE without digest (needs the Microsoft profile of the peer)',
  );
  it.todo(
    'BL-04: closes without DISCONNECT on a digest made with another secret (needs the Microsoft profile of the peer)',
  );
  it.todo(
    'BL-04: puts the digest first in every message it sends to a Windows partner (needs the Microsoft profile of the peer)',
  );
  it.todo(
    'BL-04: reconnects after the Connect Retry interval of 60 s once a digest failed (needs the Microsoft profile of the peer)',
  );
});
