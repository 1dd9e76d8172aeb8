// A broker (or a proxy in front of it) that closes every connection before its CONNACK, with
// no error to report: the link says so in its log, once a minute at most, with how many
// attempts ended that way. Before, thirteen such attempts left nothing in the log.
import { createServer, type Server } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { MqttLink } from '../../agent/link/link.js';
import { createRootLogger } from '../../agent/logger.js';

const CODE = '86000100004200000000000000001';
let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

it('logs connections closed before CONNACK, rate-limited, with the count of attempts', async () => {
  let accepted = 0;
  server = createServer((s) => {
    accepted++;
    s.destroy(); // closes before any CONNACK
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const lines: Record<string, unknown>[] = [];
  const log = createRootLogger('info', { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
  const link = new MqttLink({
    code: CODE,
    log,
    options: { brokerUrl: `mqtt://user:secret-password@127.0.0.1:${port}`, keepaliveSeconds: 30, reconnectMinMs: 20, reconnectMaxMs: 40, connectTimeoutMs: 5_000 },
  });
  link.start();
  const deadline = Date.now() + 20_000;
  while (link.stats.closedBeforeConnack < 8 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await link.stop();
  expect(accepted).toBeGreaterThanOrEqual(8);
  expect(link.stats.closedBeforeConnack).toBeGreaterThanOrEqual(8);
  const said = lines.filter((l) => l.msg === 'broker closed the connection before CONNACK');
  // The first one at once; the rest within the minute are counted, not logged.
  expect(said).toHaveLength(1);
  expect(said[0]).toMatchObject({ level: 40, attempts: 1, broker: `mqtt://127.0.0.1:${port}` });
  // The broker URL's credentials never reach the log.
  expect(JSON.stringify(lines)).not.toContain('secret-password');
});
