/**
 * A benchmark's view into a child process started with `--inspect=127.0.0.1:0`: a full garbage
 * collection on demand, then the main isolate's heap in use. Resident memory read right after a
 * collection is what the process keeps, not how much garbage its last second left behind, which
 * varies by tens of MiB from one run to the next with the moment V8 last collected.
 */
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';

/** Forwards the child's stderr to ours, except the inspector's own lines, and resolves its WebSocket URL. */
export function inspectorUrl(stderr: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    let found = false;
    const lines = createInterface({ input: stderr });
    lines.on('line', (l) => {
      const m = /^Debugger listening on (ws:\/\/\S+)/.exec(l);
      if (m && !found) {
        found = true;
        resolve(m[1]!);
      } else if (!l.startsWith('For help, see: https://nodejs.org/en/docs/inspector') && !l.startsWith('Debugger attached') && !l.startsWith('Debugger ending')) process.stderr.write(`${l}\n`);
    });
    lines.on('close', () => {
      if (!found) reject(new Error('the child printed no inspector URL (started without --inspect?)'));
    });
  });
}

/** Collects garbage in the child (a full, compacting collection) and returns its heap in use, in bytes. */
export async function collectGarbage(url: string): Promise<number> {
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let nextId = 1;
  const call = (method: string): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const onMessage = (data: WebSocket.RawData): void => {
        const m = JSON.parse(data.toString()) as { id?: number; result?: Record<string, unknown>; error?: { message: string } };
        if (m.id !== id) return;
        ws.off('message', onMessage);
        if (m.error) reject(new Error(`${method}: ${m.error.message}`));
        else resolve(m.result ?? {});
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ id, method }));
    });
  try {
    await call('HeapProfiler.collectGarbage');
    const usage = await call('Runtime.getHeapUsage');
    return Number(usage.usedSize);
  } finally {
    ws.close();
  }
}
