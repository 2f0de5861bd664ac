import {
  createHash,
  createHmac,
  createSecretKey,
  type Hash,
  type Hmac,
  type KeyObject,
} from 'node:crypto';
import type { Checksum, SourceData } from '@smithy/types';

/** HMAC keys given as bytes, each turned into a KeyObject once. */
const secretKeys = new WeakMap<object, KeyObject>();

function toBytes(data: Exclude<SourceData, string>): Uint8Array {
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

function keyFor(secret: Exclude<SourceData, string>): KeyObject | Uint8Array {
  let key = secretKeys.get(secret);
  if (!key) {
    const bytes = toBytes(secret);
    if (bytes.byteLength === 0) return bytes;
    key = createSecretKey(bytes);
    secretKeys.set(secret, key);
  }
  return key;
}

/**
 * SHA-256 and HMAC-SHA256 for the SigV4 signer, from Node's crypto as the SDK's own `Hash` is,
 * with one difference: an HMAC key given as bytes becomes a KeyObject once, kept for as long
 * as the bytes are. Node 24 (the Lambda runtime) checks a raw HMAC key by throwing and
 * catching inside `createHmac`, which makes an HMAC five times slower than one keyed by a
 * KeyObject; the presigner's signing key is one memoized object, so its KeyObject is made once
 * a day. The digests are the same bytes (the tests compare them, and every URL with the SDK's).
 */
export class Sha256 implements Checksum {
  private hash: Hash | Hmac;

  public constructor(private readonly secret?: SourceData) {
    this.hash = this.create();
  }

  public update(data: Uint8Array | string): void {
    this.hash.update(typeof data === 'string' ? data : toBytes(data));
  }

  public async digest(): Promise<Uint8Array> {
    return this.hash.digest();
  }

  public reset(): void {
    this.hash = this.create();
  }

  private create(): Hash | Hmac {
    const secret = this.secret;
    if (secret === undefined) return createHash('sha256');
    return createHmac('sha256', typeof secret === 'string' ? secret : keyFor(secret));
  }
}
