/**
 * GET /v1/events?after=<seq>&limit=<n>: a page of the signed event log. Before answering, the
 * agent checks every entry on the page (and the link from the entry before it) against its
 * device key and the hash chain; the verdict is in `chain`. Entries go out as their signed
 * bytes too, so the reader can check them again.
 */
import { GENESIS_HASH, RobotIdError, bytesEqual, entryHash, eventKind, openSign1, toHex, verifyUnitMessage, type EventPayload } from '../../../sdk/index.js';
import { ApiError, type Route, type StoredEntry, type TechnicianDeps } from './types.js';

export const EVENTS_PAGE_MAX = 500;

function intParam(query: URLSearchParams, name: string, dflt: number, min: number, max: number): number {
  const raw = query.get(name);
  if (raw === null) return dflt;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new ApiError(400, 'BAD_REQUEST', `${name}: expected an integer ${min}..${max}, got ${JSON.stringify(raw.slice(0, 20))}`);
  }
  return n;
}

export function eventsRoute(deps: TechnicianDeps): Route {
  return {
    method: 'GET',
    path: '/v1/events',
    handle(req) {
      const after = intParam(req.query, 'after', 0, 0, Number.MAX_SAFE_INTEGER);
      const limit = intParam(req.query, 'limit', 50, 1, EVENTS_PAGE_MAX);
      const entries = deps.readEvents(after, limit + 1);
      const page = entries.slice(0, limit);
      let prev: { seq: number; hash: Uint8Array } | undefined = after === 0 ? { seq: 0, hash: GENESIS_HASH } : undefined;
      if (after > 0) {
        const before: StoredEntry | undefined = deps.readEvents(after - 1, 1)[0];
        if (before?.seq === after) prev = { seq: after, hash: entryHash(before.bytes) };
      }
      let problem: string | undefined;
      const events = page.map((e) => {
        let ev: EventPayload | undefined;
        try {
          // An entry an earlier device key signed (before a rekey) is checked under that key's record.
          const kid = openSign1(eventKind, e.bytes).cose.protected.kid!;
          const under = deps.previousIdentities?.find((p) => bytesEqual(p.deviceKid, kid)) ?? deps.identity;
          ev = verifyUnitMessage(eventKind, e.bytes, under).value;
        } catch (err) {
          problem ??= `entry ${e.seq}: ${err instanceof RobotIdError ? err.code : 'unreadable'}`;
        }
        const hash = entryHash(e.bytes);
        if (ev && prev && !(ev.seq === prev.seq + 1 && bytesEqual(ev.prevHash, prev.hash))) {
          problem ??= `entry ${e.seq} does not name the hash of entry ${prev.seq}`;
        }
        prev = { seq: e.seq, hash };
        return {
          seq: e.seq,
          time: ev?.time ?? 0,
          kind: ev?.kind ?? 'unreadable',
          ...(ev?.note !== undefined ? { note: ev.note } : {}),
          ...(ev?.technician !== undefined ? { technician: ev.technician } : {}),
          hash: toHex(hash),
          prevHash: ev ? toHex(ev.prevHash) : '',
          entry: Buffer.from(e.bytes).toString('base64'),
        };
      });
      const next = entries.length > limit ? page.at(-1)!.seq : undefined;
      return {
        status: 200,
        body: { events, ...(next !== undefined ? { next } : {}), head: deps.eventHead(), chain: { verified: problem === undefined, ...(problem ? { problem } : {}) } },
      };
    },
  };
}
