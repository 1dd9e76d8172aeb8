// An agent must stop promptly and leave nothing running behind, even when the broker died
// first. A regression here kept the process alive for the MQTT connect timeout after SIGTERM:
// removing every 'close' listener of a dead client also removed MQTT.js's own, which clears
// that timer.
import { afterEach, describe, expect, it } from 'vitest';
import { MqttLink } from '../../agent/link/link.js';
import { quietLogger } from '../helpers/pki.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';

const CODE = '86000100004200000000000000001';
let broker: TestBroker | undefined;

afterEach(async () => {
  await broker?.stop();
  broker = undefined;
});

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

/**
 * Timers of our own and of the test broker settle within moments of a stop; the leak this
 * guards against held a connect timer for connectTimeoutMs (60 s here). Wait up to 3 s for the
 * count to come back down, then assert.
 */
async function settledTimeouts(limit: number): Promise<number> {
  const end = Date.now() + 3_000;
  while (timeouts() > limit && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return timeouts();
}

function link(url: string): MqttLink {
  return new MqttLink({
    code: CODE,
    log: quietLogger(),
    options: { brokerUrl: url, keepaliveSeconds: 30, reconnectMinMs: 50, reconnectMaxMs: 200, connectTimeoutMs: 60_000 },
  });
}

describe('link stop', () => {
  it('leaves no timer behind after the broker died and reconnects failed', async () => {
    broker = await startBroker();
    const before = timeouts();
    const l = link(broker.url);
    const connected = new Promise<void>((resolve) => l.once('connect', () => resolve()));
    l.start();
    await connected;
    await broker.kill('SIGKILL');
    // Let a few reconnect attempts fail against the dead port.
    await new Promise((r) => setTimeout(r, 600));
    expect(l.stats.attempts).toBeGreaterThan(1);
    await l.stop();
    expect(await settledTimeouts(before)).toBeLessThanOrEqual(before);
  });

  it('leaves no timer behind after an orderly stop of a live connection', async () => {
    broker = await startBroker();
    const before = timeouts();
    const l = link(broker.url);
    const connected = new Promise<void>((resolve) => l.once('connect', () => resolve()));
    l.start();
    await connected;
    await l.stop();
    expect(await settledTimeouts(before)).toBeLessThanOrEqual(before);
  });
});
