/**
 * The event log's hot path for signing an entry: the same COSE_Sign1 bytes as the SDK's
 * `signEvent`, built with one CBOR encoding (the payload, written directly for the plain shape
 * every event has) instead of four generic ones (payload, protected header, Sig_structure, COSE
 * array re-encoding the payload), and the entry hash taken from the bytes just built.
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

/** Writes a CBOR head (major type `major`, argument `n`: a safe integer >= 0) at `o`. */
function writeHead(buf: Buffer, o: number, major: number, n: number): number {
  const m = major << 5;
  if (n < 24) {
    buf[o] = m | n;
    return o + 1;
  }
  if (n < 0x100) {
    buf[o] = m | 24;
    buf[o + 1] = n;
    return o + 2;
  }
  if (n < 0x10000) {
    buf[o] = m | 25;
    buf.writeUInt16BE(n, o + 1);
    return o + 3;
  }
  if (n < 0x1_0000_0000) {
    buf[o] = m | 26;
    buf.writeUInt32BE(n, o + 1);
    return o + 5;
  }
  buf[o] = m | 27;
  buf.writeUInt32BE(Math.floor(n / 0x1_0000_0000), o + 1);
  buf.writeUInt32BE(n >>> 0, o + 5);
  return o + 9;
}

const LONE_SURROGATE = /[\uD800-\uDFFF]/;

function isUint(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && !Object.is(v, -0);
}

function isText(v: unknown): v is string {
  return typeof v === 'string' && !LONE_SURROGATE.test(v);
}

/**
 * Deterministic CBOR of an event payload written directly (labels 0..9 are one-byte keys in
 * ascending order, every value a shortest-form uint, text or byte string): the same bytes as
 * `encodeCbor(eventSchema.toCbor(...))`. Returns undefined for anything outside that plain
 * shape (a negative or unsafe number, a string with a lone surrogate, a missing field, a value
 * of another type), which then goes through the SDK's encoder and gets its exact behaviour.
 */
function encodePayloadDirect(e: EventPayload): Buffer | undefined {
  if (!isUint(e.v) || !isText(e.code) || !isUint(e.seq) || !(e.prevHash instanceof Uint8Array) || !isUint(e.time) || !isText(e.kind)) return undefined;
  const { note, technician, order, data } = e;
  if (note !== undefined && !isText(note)) return undefined;
  if (technician !== undefined && !isText(technician)) return undefined;
  if (order !== undefined && !(order instanceof Uint8Array)) return undefined;
  if (data !== undefined && !(data instanceof Uint8Array)) return undefined;
  const codeLen = Buffer.byteLength(e.code);
  const kindLen = Buffer.byteLength(e.kind);
  const noteLen = note === undefined ? 0 : Buffer.byteLength(note);
  const techLen = technician === undefined ? 0 : Buffer.byteLength(technician);
  // Upper bound: 9-byte heads for every value plus one-byte keys.
  const size = 1 + 10 * 10 + codeLen + e.prevHash.length + kindLen + noteLen + techLen + (order?.length ?? 0) + (data?.length ?? 0);
  const buf = Buffer.allocUnsafe(size);
  let o = 1;
  let count = 6;
  buf[o++] = 0;
  o = writeHead(buf, o, 0, e.v);
  buf[o++] = 1;
  o = writeHead(buf, o, 3, codeLen);
  o += buf.write(e.code, o, 'utf8');
  buf[o++] = 2;
  o = writeHead(buf, o, 0, e.seq);
  buf[o++] = 3;
  o = writeHead(buf, o, 2, e.prevHash.length);
  buf.set(e.prevHash, o);
  o += e.prevHash.length;
  buf[o++] = 4;
  o = writeHead(buf, o, 0, e.time);
  buf[o++] = 5;
  o = writeHead(buf, o, 3, kindLen);
  o += buf.write(e.kind, o, 'utf8');
  if (note !== undefined) {
    count++;
    buf[o++] = 6;
    o = writeHead(buf, o, 3, noteLen);
    o += buf.write(note, o, 'utf8');
  }
  if (technician !== undefined) {
    count++;
    buf[o++] = 7;
    o = writeHead(buf, o, 3, techLen);
    o += buf.write(technician, o, 'utf8');
  }
  if (order !== undefined) {
    count++;
    buf[o++] = 8;
    o = writeHead(buf, o, 2, order.length);
    buf.set(order, o);
    o += order.length;
  }
  if (data !== undefined) {
    count++;
    buf[o++] = 9;
    o = writeHead(buf, o, 2, data.length);
    buf.set(data, o);
    o += data.length;
  }
  buf[0] = 0xa0 | count;
  return buf.subarray(0, o);
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
    const full: EventPayload = { v: PROTOCOL_VERSION, ...event };
    const payload = encodePayloadDirect(full) ?? encodeCbor(eventSchema.toCbor(full));
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
