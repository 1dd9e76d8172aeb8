// The link's keepalive: MQTT.js is told not to restart its ping timer on every PUBACK (a
// timer per message under a burst), so these hold what that must not change: a busy link on a
// healthy broker stays up, and a frozen broker (TCP still open, nothing answered) is detected
// from the missing PINGRESP within about 1.5 keepalive periods, publishing or not.
import { afterEach, describe, expect, it } from 'vitest';
import { MqttLink } from '../../agent/link/link.js';
import { quietLogger } from '../helpers/pki.js';
import { startBroker, type TestBroker } from '../helpers/broker.js';

const CODE = '86000100004200000000000000001';
let broker: TestBroker | undefined;

afterEach(async () => {
  broker?.signal('SIGCONT');
  await broker?.stop();
  broker = undefined;
});

function link(url: string): MqttLink {
  return new MqttLink({ code: CODE, log: quietLogger(), options: { brokerUrl: url, keepaliveSeconds: 1, reconnectMinMs: 50, reconnectMaxMs: 200, connectTimeoutMs: 2_000 } });
}

async function connected(l: MqttLink): Promise<void> {
  const c = new Promise<void>((resolve) => l.once('connect', () => resolve()));
  l.start();
  await c;
}

/** Publishes at QoS 1 every `everyMs` until stopped; counts PUBACKs and failures. */
function publishing(l: MqttLink, everyMs: number): { acked: () => number; failed: () => number; stop(): void } {
  let acked = 0;
  let failed = 0;
  const timer = setInterval(() => {
    if (!l.connected) return;
    l.publish('robot-id/v1/test/keepalive', Uint8Array.of(1), { qos: 1 }).then(
      () => acked++,
      () => failed++,
    );
  }, everyMs);
  return { acked: () => acked, failed: () => failed, stop: () => clearInterval(timer) };
}

describe('link keepalive', () => {
  it('keeps a busy link up on a healthy broker across several keepalive periods', async () => {
    broker = await startBroker();
    const l = link(broker.url);
    await connected(l);
    let drops = 0;
    l.on('disconnect', () => drops++);
    const p = publishing(l, 50);
    await new Promise((r) => setTimeout(r, 3_500));
    p.stop();
    expect(drops).toBe(0);
    expect(p.failed()).toBe(0);
    expect(p.acked()).toBeGreaterThan(40);
    await l.stop();
  });

  it('detects a frozen broker while publishing, and reconnects once it thaws', async () => {
    broker = await startBroker();
    const l = link(broker.url);
    await connected(l);
    const p = publishing(l, 50);
    await new Promise((r) => setTimeout(r, 300));
    expect(p.acked()).toBeGreaterThan(0);
    const down = new Promise<number>((resolve) => l.once('disconnect', () => resolve(Date.now())));
    const frozenAt = Date.now();
    broker.signal('SIGSTOP');
    const at = await down;
    // Keepalive 1 s: the ping timer fires every 0.5 s, pings on the second tick and gives up
    // on the third without a PINGRESP. Generous bounds for a loaded CI machine.
    expect(at - frozenAt).toBeLessThan(4_000);
    expect(l.connected).toBe(false);
    const up = new Promise<void>((resolve) => l.once('connect', () => resolve()));
    broker.signal('SIGCONT');
    await up;
    p.stop();
    await l.stop();
  });
});
