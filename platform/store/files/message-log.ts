/**
 * The ingest's store of what it accepted (docs/protocol.md §"Delivery and exactly-once"):
 * an append-only file of frames, written in groups and fdatasync'd before any receipt names
 * them. A frame is [u32 length][u32 crc32][body]; body = [u8 stream][u8 code length][code]
 * [u48 seq][32 hash][32 prevHash][message bytes exactly as received]. On open, a torn or
 * corrupt tail (a crash mid-write) is cut off at the last sound frame.
 *
 * A commit takes the frames queued and writes them off the event loop (libuv's thread pool), so
 * a slow disk does not stall verification: one commit at a time (the caller's), each at the
 * offset where the last one ended.
 */
import { closeSync, existsSync, fdatasync, fdatasyncSync, ftruncateSync, fstatSync, openSync, readSync, write, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import type { StoredRecord, StoredStream } from '../../../sdk/index.js';

const STREAM_ID: Record<StoredStream, number> = { event: 0, ack: 1 };
const STREAM_OF: readonly StoredStream[] = ['event', 'ack'];

const HEADER = 8;
const MAX_BODY = 1 << 20;
const ZERO32 = new Uint8Array(32);

export function encodeFrame(r: StoredRecord): Buffer {
  const code = Buffer.from(r.code, 'ascii');
  const bodyLen = 2 + code.length + 6 + 32 + 32 + r.bytes.length;
  const buf = Buffer.allocUnsafe(HEADER + bodyLen);
  let o = HEADER;
  buf[o++] = STREAM_ID[r.stream];
  buf[o++] = code.length;
  o += code.copy(buf, o);
  buf.writeUIntBE(r.seq, o, 6);
  o += 6;
  buf.set(r.hash.length === 32 ? r.hash : ZERO32, o);
  o += 32;
  buf.set(r.prevHash.length === 32 ? r.prevHash : ZERO32, o);
  o += 32;
  buf.set(r.bytes, o);
  buf.writeUInt32BE(bodyLen, 0);
  buf.writeUInt32BE(crc32(buf.subarray(HEADER)), 4);
  return buf;
}

function decodeBody(body: Buffer): StoredRecord | undefined {
  let o = 0;
  const stream = STREAM_OF[body[o++]!];
  const codeLen = body[o++]!;
  if (!stream || body.length < 2 + codeLen + 70) return undefined;
  const code = body.toString('ascii', o, o + codeLen);
  o += codeLen;
  const seq = body.readUIntBE(o, 6);
  o += 6;
  const hash = new Uint8Array(body.subarray(o, o + 32));
  o += 32;
  const prevHash = new Uint8Array(body.subarray(o, o + 32));
  o += 32;
  return { code, stream, seq, hash, prevHash, bytes: new Uint8Array(body.subarray(o)) };
}

/** Reads frames from `offset`; returns the end of the last sound frame. */
export function scanStore(file: string, offset: number, onRecord: (r: StoredRecord, end: number) => void): number {
  if (!existsSync(file)) return 0;
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (offset > size) return size; // the caller's offset is past the end: it must not trust it
    const chunk = 4 << 20;
    let pos = offset;
    let buf = Buffer.alloc(0);
    let bufPos = offset;
    for (;;) {
      const at = pos - bufPos;
      const avail = buf.length - at;
      let need = HEADER;
      if (avail >= HEADER) {
        const len = buf.readUInt32BE(at);
        if (len > MAX_BODY) return pos;
        need = HEADER + len;
      }
      if (avail < need) {
        const readFrom = bufPos + buf.length;
        if (readFrom >= size) return pos; // a torn tail: the frame never finished
        const more = Buffer.allocUnsafe(Math.min(Math.max(chunk, need), size - readFrom));
        const n = readSync(fd, more, 0, more.length, readFrom);
        buf = Buffer.concat([buf.subarray(at), more.subarray(0, n)]);
        bufPos = pos;
        continue;
      }
      const body = buf.subarray(at + HEADER, at + need);
      if (crc32(body) !== buf.readUInt32BE(at + 4)) return pos;
      const rec = decodeBody(body);
      if (!rec) return pos;
      pos += need;
      onRecord(rec, pos);
    }
  } finally {
    closeSync(fd);
  }
}

const writeAt = promisify(write);
const datasync = promisify(fdatasync);

/** Frames taken for one commit (`take`): written by `write`, or given back by `restore`. */
export interface TakenFrames {
  frames: Buffer[];
  bytes: number;
}

export class MessageStore {
  private fd: number;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes taken by a commit and not yet written. */
  private takenBytes = 0;
  private size: number;
  readonly stats = { appended: 0, syncs: 0 };

  /** Opens (creating) the file and cuts a torn tail at `soundEnd` (from scanStore). */
  constructor(
    readonly file: string,
    soundEnd: number,
  ) {
    this.fd = openSync(file, existsSync(file) ? 'r+' : 'w+', 0o640);
    const size = fstatSync(this.fd).size;
    if (size > soundEnd) {
      ftruncateSync(this.fd, soundEnd);
      fdatasyncSync(this.fd);
    }
    this.size = soundEnd;
    this.truncated = size - soundEnd;
  }

  /** Bytes cut off the tail at open (a crash mid-write). */
  readonly truncated: number;

  /** Where the next frame appended will end up: past what is durable, taken and queued. */
  get offset(): number {
    return this.size + this.takenBytes + this.pendingBytes;
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  append(r: StoredRecord): void {
    const f = encodeFrame(r);
    this.pending.push(f);
    this.pendingBytes += f.length;
  }

  /** Writes every pending frame and fdatasyncs, on the event loop; returns the number written. */
  flush(): number {
    if (this.takenBytes > 0) throw new Error('message store: a commit is being written');
    if (this.pending.length === 0) return 0;
    const buf = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending);
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off, this.size + off);
    fdatasyncSync(this.fd);
    const n = this.pending.length;
    this.size += buf.length;
    this.pending = [];
    this.pendingBytes = 0;
    this.stats.appended += n;
    this.stats.syncs++;
    return n;
  }

  /** The frames queued, for one commit; frames appended from now on wait for the next. */
  take(): TakenFrames {
    if (this.takenBytes > 0) throw new Error('message store: a commit is being written');
    const taken = { frames: this.pending, bytes: this.pendingBytes };
    this.pending = [];
    this.pendingBytes = 0;
    this.takenBytes = taken.bytes;
    return taken;
  }

  /** Writes frames taken, then fdatasyncs, off the event loop; returns the number written. */
  async write(taken: TakenFrames): Promise<number> {
    if (taken.frames.length > 0) {
      const buf = taken.frames.length === 1 ? taken.frames[0]! : Buffer.concat(taken.frames);
      let off = 0;
      while (off < buf.length) off += (await writeAt(this.fd, buf, off, buf.length - off, this.size + off)).bytesWritten;
      await datasync(this.fd);
      this.size += buf.length;
      this.stats.syncs++;
    }
    this.takenBytes = 0;
    this.stats.appended += taken.frames.length;
    return taken.frames.length;
  }

  /** Gives frames whose write failed back, ahead of those queued since: the next commit writes them. */
  restore(taken: TakenFrames): void {
    this.pending = [...taken.frames, ...this.pending];
    this.pendingBytes += taken.bytes;
    this.takenBytes = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}
