/**
 * Loads the platform's index authority and its publisher state (--state <dir>, or --db /
 * ROBOT_ID_PLATFORM_DB; <key>/index-state when neither) for the recall and index commands.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROLES, RecallPublisher, RobotIdError, loadAuthority, type Authority } from '../../sdk/index.js';
import { EXIT, UsageError, optionalString, printError, requirePositional, requireString, type Command, type Options, type Values } from '../command.js';
import { readPassphrase } from '../passphrase.js';
import { PlatformDbError } from '../../platform/store/postgres/errors.js';
import { dbOption } from './db.js';
import { openPublisherStateOf } from './publisher-state.js';
import { BrokerUnreachableError, connectBroker, retained, unreachableAs3 } from './broker.js';

export const publisherOptions: Options = {
  key: { type: 'string' },
  state: { type: 'string' },
  ...dbOption,
  'index-lifetime': { type: 'string' },
  'passphrase-file': { type: 'string' },
};

export async function openPublisher(values: Values): Promise<RecallPublisher & { authority: Authority; close(): Promise<void> }> {
  const dir = requireString(values, 'key');
  const authority = loadAuthority(dir, { passphrase: readPassphrase(values) });
  if (authority.meta.kind !== 'platform' || !authority.verified?.certificate.roles.includes(ROLES.indexSign)) {
    throw new UsageError(`--key ${dir}: expected a platform authority with the ${ROLES.indexSign} role (robot-id platform certify --role index)`);
  }
  const lifetime = optionalString(values, 'index-lifetime');
  const seconds = lifetime === undefined ? undefined : Number(lifetime);
  if (seconds !== undefined && (!Number.isInteger(seconds) || seconds < 60)) throw new UsageError(`--index-lifetime: expected whole seconds >= 60, got ${lifetime}`);
  const store = await openPublisherStateOf(values, 'state', join(dir, 'index-state'));
  const publisher = new RecallPublisher({
    store,
    signer: authority.signer,
    certificate: authority.certificate!,
    country: authority.meta.country,
    trust: authority.trust,
    indexLifetimeSeconds: seconds,
  });
  return Object.assign(publisher, { authority, close: () => store.close() });
}

export type Publisher = Awaited<ReturnType<typeof openPublisher>>;
type Retained = ReturnType<typeof retained>;

/**
 * What `policy publish` and `rotation publish` share: read a signed object the country index
 * carries, refuse it (status 1, nothing sent) before touching the broker, publish it and
 * republish the indexes, and print the outcome. A refusal at publishing (a version not above
 * the published one) is also status 1; an unreachable broker stays status 3.
 */
export function countryIndexPublish<R extends object>(spec: {
  positional: string;
  clientTag: string;
  check(publisher: Publisher, bytes: Uint8Array): unknown;
  publish(publisher: Publisher, bytes: Uint8Array, to: Retained): Promise<R>;
  text(r: R): string;
}): Command['run'] {
  return (values, positionals, io) => unreachableAs3(io, values, async () => {
    const json = !!values.json;
    const bytes = new Uint8Array(readFileSync(requirePositional(positionals, 0, spec.positional)));
    const publisher = await openPublisher(values);
    const rejected = (err: unknown): number => {
      // The platform database's own errors keep their statuses (docs/cli.md).
      if (!(err instanceof RobotIdError) || err instanceof BrokerUnreachableError || err instanceof PlatformDbError) throw err;
      printError(io, json, err);
      return EXIT.REJECTED;
    };
    try {
      try {
        await spec.check(publisher, bytes);
      } catch (err) {
        return rejected(err);
      }
      const client = await connectBroker(values, `platform-${spec.clientTag}-${process.pid}`);
      try {
        const r = await spec.publish(publisher, bytes, retained(client));
        io.out(json ? JSON.stringify(r) : spec.text(r));
        return EXIT.OK;
      } catch (err) {
        return rejected(err);
      } finally {
        await client.endAsync();
      }
    } finally {
      await publisher.close();
    }
  });
}
