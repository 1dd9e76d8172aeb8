/**
 * A plain MQTT client for tests that looks at what a broker retains: subscribe, then publish a
 * marker on a private topic; the broker sends the retained messages before the marker, so when
 * the marker arrives everything retained has arrived (no sleeping).
 */
import { connectAsync, type MqttClient } from 'mqtt';
import { randomBytes } from 'node:crypto';

export interface Retained {
  topic: string;
  payload: Uint8Array;
}

export async function retainedUnder(url: string, filters: string[]): Promise<Retained[]> {
  const client: MqttClient = await connectAsync(url, { clientId: `t-${randomBytes(6).toString('hex')}`, reconnectPeriod: 0, clean: true });
  try {
    const marker = `test/marker/${randomBytes(6).toString('hex')}`;
    const got: Retained[] = [];
    const done = new Promise<void>((resolve) =>
      client.on('message', (topic, payload, packet) => {
        if (topic === marker) resolve();
        else if (packet.retain && payload.length > 0) got.push({ topic, payload: new Uint8Array(payload) });
      }),
    );
    await client.subscribeAsync([...filters, marker], { qos: 1 });
    await client.publishAsync(marker, 'x', { qos: 1 });
    await done;
    return got.sort((a, b) => (a.topic < b.topic ? -1 : 1));
  } finally {
    await client.endAsync();
  }
}

/** A transport for RecallPublisher over one MQTT.js client. */
export function retainedTransport(client: MqttClient): { publishRetained(topic: string, payload: Uint8Array): Promise<void> } {
  return {
    async publishRetained(topic, payload) {
      await client.publishAsync(topic, Buffer.from(payload), { qos: 1, retain: true });
    },
  };
}

/** Polls `check` until it returns a value other than undefined/false (for asynchronous deliveries). */
export async function until<T>(check: () => T | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
