/**
 * A platform command's MQTT connection: `--broker <url>` plus optional `--broker-user` and
 * `--broker-password-file` (never a password on the command line). One-shot commands do not
 * reconnect; a refused or unreachable broker is exit status 3.
 */
import { readFileSync } from 'node:fs';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { RobotIdError } from '../../sdk/index.js';
import { EXIT, UsageError, optionalString, printError, requireString, type Io, type Options, type Values } from '../command.js';

export const brokerOptions: Options = {
  broker: { type: 'string' },
  'broker-user': { type: 'string' },
  'broker-password-file': { type: 'string' },
};

export class BrokerUnreachableError extends RobotIdError {}

export function brokerClientOptions(values: Values, clientId: string, reconnect: boolean): IClientOptions {
  const pwFile = optionalString(values, 'broker-password-file');
  return {
    clientId,
    username: optionalString(values, 'broker-user'),
    password: pwFile ? readFileSync(pwFile, 'utf8').split(/\r?\n/)[0] : undefined,
    reconnectPeriod: reconnect ? 1000 : 0,
    connectTimeout: 10_000,
    clean: true,
  };
}

const BROKER_SCHEMES = ['mqtt:', 'mqtts:', 'ws:', 'wss:'];

/** `--broker`, refused as a usage error unless it is a URL with a scheme MQTT.js speaks. */
export function requireBrokerUrl(values: Values): string {
  const url = requireString(values, 'broker');
  let scheme: string | undefined;
  try {
    scheme = new URL(url).protocol;
  } catch {
    scheme = undefined;
  }
  if (!scheme || !BROKER_SCHEMES.includes(scheme)) {
    throw new UsageError(`--broker: expected a URL such as mqtt://host:1883 (schemes ${BROKER_SCHEMES.map((x) => x.slice(0, -1)).join(', ')}), got ${url}`);
  }
  return url;
}

export async function connectBroker(values: Values, clientId: string, reconnect = false): Promise<MqttClient> {
  const url = requireBrokerUrl(values);
  try {
    return await connectAsync(url, brokerClientOptions(values, clientId, reconnect));
  } catch (err) {
    throw new BrokerUnreachableError('BROKER_UNREACHABLE', `broker ${url}: ${(err as Error).message}`, { cause: err });
  }
}

/** RecallPublisher's transport over one client: retained, QoS 1, resolved on PUBACK. */
export function retained(client: MqttClient): { publishRetained(topic: string, payload: Uint8Array): Promise<void> } {
  return {
    async publishRetained(topic, payload) {
      await client.publishAsync(topic, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), { qos: 1, retain: true });
    },
  };
}

/** Runs a command body; an unreachable broker is exit status 3 (docs/cli.md). */
export async function unreachableAs3(io: Io, values: Values, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (!(err instanceof BrokerUnreachableError)) throw err;
    printError(io, !!values.json, err);
    return EXIT.UNREACHABLE;
  }
}
