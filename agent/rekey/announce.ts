/**
 * The first thing a unit does after a rekey is installed (docs/protocol.md §"Device rekey",
 * step R3): append the `rekeyed` event, signed by the new key (the log's signer now) and
 * carrying the new record and the old key's handover naming the log's head; then destroy the
 * old key. Runs at start, before the local API and the link, so nothing else is appended in
 * between. A crash after the event is durable and before the old key is gone is seen here
 * again: the head is that event, so it is not appended twice.
 */
import { bytesEqual, decodeRekeyedData, eventKind, openSign1, signHandover, encodeRekeyedData, type VerifiedIdentity } from '../../sdk/index.js';
import type { EventLog, LoggedEvent } from '../eventlog/index.js';
import { destroyKeyFile } from '../startup/destroy-key.js';
import { readPrevKey, rekeyPath } from './files.js';

export interface AnnounceDeps {
  stateDir: string;
  eventLog: EventLog;
  identity: VerifiedIdentity;
  /** Seconds, time floor applied. */
  now(): number;
  /** The ack log's head: every ack up to it was signed by the old key. */
  ackHead: number;
}

/** Whether the log's newest entry is the announcement of `identity`'s record. */
function headAnnounces(eventLog: EventLog, identity: VerifiedIdentity): boolean {
  const head = eventLog.head.seq;
  if (head === 0) return false;
  const [last] = eventLog.read(head - 1, 1);
  if (!last) return false;
  const e = openSign1(eventKind, last.bytes).value;
  return e.kind === 'rekeyed' && e.data !== undefined && bytesEqual(decodeRekeyedData(e.data).record, identity.bytes);
}

/** Appends the pending announcement, if any; returns it (undefined when none was pending). */
export async function announceRekey(deps: AnnounceDeps): Promise<LoggedEvent | undefined> {
  const prev = readPrevKey(deps.stateDir);
  if (!prev) return undefined;
  let logged: LoggedEvent | undefined;
  if (!headAnnounces(deps.eventLog, deps.identity)) {
    const head = deps.eventLog.head;
    const handover = await signHandover(prev, { code: deps.identity.code.code, prevHash: head.hash, record: deps.identity.bytes, time: deps.now() });
    logged = await deps.eventLog.append(
      { kind: 'rekeyed', data: encodeRekeyedData({ record: deps.identity.bytes, handover, ackSeq: deps.ackHead }) },
      {
        // The handover names the head it was signed over; nothing may have joined since.
        check: () => {
          if (deps.eventLog.head.seq !== head.seq) throw new Error('rekey announcement: the event log moved while the handover was signed');
        },
      },
    );
  }
  destroyKeyFile(rekeyPath(deps.stateDir, 'prevKey'));
  return logged;
}
