/**
 * The acks a files ingest stored (messages.log), read on from where the last read ended: each
 * call reads only what was appended since. A frame still being written (a torn tail) is read
 * at the next call.
 */
import { join } from 'node:path';
import type { AckFeed, StoredAck } from '../../campaigns/ack-feed.js';
import { STORE_FILE } from './ingest-state.js';
import { scanStore } from './message-log.js';

export function filesAckFeed(dir: string): AckFeed {
  const file = join(dir, STORE_FILE);
  let offset = 0;
  return {
    async next(): Promise<StoredAck[]> {
      const out: StoredAck[] = [];
      offset = scanStore(file, offset, (r) => {
        if (r.stream === 'ack') out.push({ code: r.code, bytes: r.bytes });
      });
      return out;
    },
  };
}
