/**
 * The event log's hot path for signing an entry: the same COSE_Sign1 bytes as the SDK's
 * `signEvent`, built with one CBOR encoding (the payload) instead of four (payload, protected
 * header, Sig_structure, COSE array re-encoding the payload), and the entry hash taken from
 * the bytes just built.
 *
 * The constant parts (protected header, Sig_structure prefix, COSE prefix) are cut from what the
 * SDK's own codec produces for this signer; `create` then signs a probe entry both ways and uses
 * the fast path only when the bytes are identical (Ed25519 is deterministic), otherwise it falls
 * back to `signEvent`. Nothing about the format is decided here.
 */
import * as nodeCrypto from 'node:crypto';
import {
  GENESIS_HASH,
  PROTOCOL_VERSION,
  TAG_SIGN1,
  Tag,
  bytesEqual,
  decodeSign1,
  encodeCbor,
  eventKind,
  eventSchema,
  signEvent,
  type EventPayload,
  type Signer,
} from '../../sdk/index.js';

const EMPTY = new Uint8Array(0);

/** CBOR head of a byte string of `len` bytes (major type 2). */
function bstrHead(len: number): Uint8Array {
  if (len < 24) return Uint8Array.of(0x40 | len);
  if (len < 0x100) return Uint8Array.of(0x58, len);
  if (len < 0x10000) return Uint8Array.of(0x59, len >>> 8, len & 0xff);
  return Uint8Array.of(0x5a, len >>> 24, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff);
}

/**
 * SHA-256 in one call (the chain hash of an entry; = sdk entryHash): crypto.hash (Node >= 20.12)
 * skips the Hash object; older Node 20 releases (package.json allows them) use createHash.
 */
const oneShot = (nodeCrypto as { hash?: (alg: string, data: Uint8Array, enc: 'buffer') => Buffer }).hash;

export function hashEntry(bytes: Uint8Array): Uint8Array {
  const d = oneShot ? oneShot('sha256', bytes, 'buffer') : nodeCrypto.createHash('sha256').update(bytes).digest();
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

export interface EncodedEvent {
  bytes: Uint8Array;
  hash: Uint8Array;
}

export class EventEncoder {
  private constructor(
    private readonly signer: Signer,
    /** Sig_structure up to (not including) the payload bstr: 0x84 "Signature1" protected h''. */
    private readonly sigPrefix: Uint8Array | undefined,
    /** COSE_Sign1 up to the payload bstr: tag 18, 0x84, protected, {}. */
    private readonly cosePrefix: Uint8Array | undefined,
  ) {}

  /** Builds the encoder for `signer`; checks the fast path against signEvent on a probe entry. */
  static async create(signer: Signer, code: string): Promise<EventEncoder> {
    const probe: Omit<EventPayload, 'v'> = { code, seq: 1, prevHash: GENESIS_HASH, time: 1, kind: 'maintenance', note: 'encoder probe' };
    let reference: Uint8Array;
    try {
      reference = await signEvent(signer, probe);
    } catch {
      // A signer that cannot sign now will fail the first append with its own error.
      return new EventEncoder(signer, undefined, undefined);
    }
    const { protectedBytes } = decodeSign1(reference, { maxBytes: eventKind.maxBytes, what: 'event probe' });
    // Encoding with empty byte strings in the payload (and signature) slots, then cutting those
    // one-byte 0x40 heads off, gives exactly the codec's bytes for everything before them.
    const sig = encodeCbor(['Signature1', protectedBytes, EMPTY, EMPTY]);
    const cose = encodeCbor(new Tag([protectedBytes, new Map(), EMPTY, EMPTY], TAG_SIGN1));
    const fast = new EventEncoder(signer, sig.subarray(0, sig.length - 1), cose.subarray(0, cose.length - 2));
    const mine = await fast.sign(probe);
    return bytesEqual(mine.bytes, reference) ? fast : new EventEncoder(signer, undefined, undefined);
  }

  /** True when the single-encoding path is in use (false: the SDK's signEvent). */
  get fast(): boolean {
    return this.sigPrefix !== undefined;
  }

  async sign(event: Omit<EventPayload, 'v'>): Promise<EncodedEvent> {
    if (!this.sigPrefix || !this.cosePrefix) {
      const bytes = await signEvent(this.signer, event);
      return { bytes, hash: hashEntry(bytes) };
    }
    const payload = encodeCbor(eventSchema.toCbor({ v: PROTOCOL_VERSION, ...event }));
    const head = bstrHead(payload.length);
    const toSign = Buffer.allocUnsafe(this.sigPrefix.length + head.length + payload.length);
    toSign.set(this.sigPrefix, 0);
    toSign.set(head, this.sigPrefix.length);
    toSign.set(payload, this.sigPrefix.length + head.length);
    const signature = await this.signer.sign(toSign);
    if (signature.length !== 64) throw new RangeError(`event signature: expected 64 bytes, got ${signature.length}`);
    const out = new Uint8Array(this.cosePrefix.length + head.length + payload.length + 2 + 64);
    let o = 0;
    out.set(this.cosePrefix, o);
    o += this.cosePrefix.length;
    out.set(head, o);
    o += head.length;
    out.set(payload, o);
    o += payload.length;
    out[o++] = 0x58;
    out[o++] = 0x40;
    out.set(signature, o);
    return { bytes: out, hash: hashEntry(out) };
  }
}
