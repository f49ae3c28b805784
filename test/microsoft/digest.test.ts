import { createHmac } from 'node:crypto';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { SharedSecret } from '../../src/config/shared-secret.js';
import {
  checkMessageDigest,
  encodeSignedMessage,
  hasMessageDigest,
  HMAC_SHA256_DIGEST_TYPE,
} from '../../src/peer/digest.js';
import { option } from '../../src/peer/options.js';
import { MessageType, OptionCode } from '../../src/wire/codes.js';
import { buildMessage } from '../../src/wire/message-builder.js';
import { decodeMessage, encodeMessage } from '../../src/wire/message.js';
import { messageArbitrary } from '../wire/arbitraries.js';

const secret = new SharedSecret('s3cret');

function contact(): ReturnType<typeof buildMessage> {
  return buildMessage(MessageType.CONTACT, 7, 1_800_000_000, [], 'microsoft');
}

describe('encodeSignedMessage', () => {
  it('puts a type 2, 32-byte digest first, the HMAC-SHA256 of the message with it zeroed (AMB-11)', () => {
    const bytes = encodeSignedMessage(contact(), 'microsoft', secret);
    const zeroed = Uint8Array.from(bytes).fill(0, 17, 49);
    const expected = createHmac('sha256', Buffer.from('s3cret', 'utf8')).update(zeroed).digest();

    expect(bytes.length).toBe(12 + 4 + 33);
    expect(Array.from(bytes.subarray(12, 17))).toEqual([0x00, 0x11, 0x00, 0x21, 0x02]);
    expect(Buffer.from(bytes.subarray(17, 49))).toEqual(expected);
  });

  it('replaces a message-digest among the options instead of adding a second one', () => {
    const digest = { digestType: HMAC_SHA256_DIGEST_TYPE, digest: new Uint8Array(32) };
    const message = { ...contact(), options: [option(OptionCode.MESSAGE_DIGEST, digest)] };

    const decoded = decodeMessage(encodeSignedMessage(message, 'microsoft', secret), 'microsoft');

    expect(decoded.options.map((item) => item.code)).toEqual([OptionCode.MESSAGE_DIGEST]);
  });

  test.prop([messageArbitrary('microsoft').filter((message) => message.extraHeader.length === 0)])(
    'produces a message that passes the digest check with the same secret (MSF-2.2-d)',
    (message) => {
      const options = message.options.filter((item) => item.code !== OptionCode.MESSAGE_DIGEST);
      const bytes = encodeSignedMessage({ ...message, options }, 'microsoft', secret);

      expect(checkMessageDigest(bytes, secret)).toBeUndefined();
    },
  );

  test.prop([fc.nat(), fc.integer({ min: 1, max: 0xff })])(
    'fails the digest check after any byte changes (MSF-3.1.5-a)',
    (position, change) => {
      const bytes = encodeSignedMessage(
        buildMessage(MessageType.UPDREQ, 3, 1_800_000_000, [option(30, ['10.0.0.0'])], 'microsoft'),
        'microsoft',
        secret,
      );
      const index = position % bytes.length;
      bytes[index] = bytes[index]! ^ change;

      expect(checkMessageDigest(bytes, secret)).toBeDefined();
    },
  );
});

describe('checkMessageDigest', () => {
  it('reports a message without a digest as missing (MSF-3.1.5-a)', () => {
    expect(checkMessageDigest(encodeMessage(contact(), 'microsoft'), secret)).toBe(
      'FO_ERR_DIGEST_MISSING',
    );
  });

  it('reports a digest that is not the first option as missing (FO-11.1-b)', () => {
    const signed = decodeMessage(encodeSignedMessage(contact(), 'microsoft', secret), 'microsoft');
    const moved = { ...signed, options: [option(OptionCode.MESSAGE, 'x'), ...signed.options] };

    expect(checkMessageDigest(encodeMessage(moved, 'microsoft'), secret)).toBe(
      'FO_ERR_DIGEST_MISSING',
    );
  });

  it('reports an HMAC-MD5 digest as a format problem', () => {
    const md5 = { digestType: 1, digest: new Uint8Array(16) };
    const message = { ...contact(), options: [option(OptionCode.MESSAGE_DIGEST, md5)] };

    expect(checkMessageDigest(encodeMessage(message, 'microsoft'), secret)).toBe(
      'FO_ERR_DIGEST_FORMAT',
    );
  });

  it('reports a digest made with another secret as a mismatch (MSF-3.1.5-a)', () => {
    const bytes = encodeSignedMessage(contact(), 'microsoft', new SharedSecret('other'));

    expect(checkMessageDigest(bytes, secret)).toBe('FO_ERR_DIGEST_MISMATCH');
  });
});

describe('hasMessageDigest', () => {
  it('finds a digest wherever it sits, and none in a plain message (FO-11.1-c)', () => {
    const signed = decodeMessage(encodeSignedMessage(contact(), 'microsoft', secret), 'microsoft');
    const last = { ...signed, options: [option(OptionCode.MESSAGE, 'x'), ...signed.options] };

    expect(hasMessageDigest(encodeMessage(last, 'microsoft'))).toBe(true);
    expect(hasMessageDigest(encodeMessage(contact(), 'microsoft'))).toBe(false);
  });
});

describe('SharedSecret', () => {
  it('prints as redacted in strings, JSON and inspection', async () => {
    const { inspect } = await import('node:util');
    const holder = { sharedSecret: new SharedSecret('do-not-print') };

    expect(String(holder.sharedSecret)).toBe('[redacted]');
    expect(JSON.stringify(holder)).not.toContain('do-not-print');
    expect(inspect(holder, { showHidden: true, depth: 5 })).not.toContain('do-not-print');
  });
});
