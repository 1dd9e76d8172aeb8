/**
 * Platform side of recall delivery (docs/protocol.md §"Delivery and reconciliation"):
 *   recall publish <signed-file>   retain the notice per scope, re-sign and retain the indexes
 *   recall republish [--watch]     retain the whole set again (on every (re)connect with --watch)
 *   revoke --kid <hex> | --code    add to the country index's revocations and republish
 *   policy publish <signed-file>   carry the root-signed recall policy in the country index
 */
import { readFileSync } from 'node:fs';
import { IndexError, REVOCATION_REASONS, parseCode, parseTime, type KeyRevocation, type RevocationReason } from '../../sdk/index.js';
import { EXIT, UsageError, optionalString, printError, requirePositional, type Command, type Io, type Values } from '../command.js';
import { brokerOptions, connectBroker, retained, unreachableAs3 } from '../platform/broker.js';
import { countryIndexPublish, openPublisher, publisherOptions, type Publisher } from '../platform/publisher.js';
import { metricsOption, startMetrics } from '../platform/metrics-option.js';
import { observedRepublisher } from '../../platform/republisher-metrics.js';

function print(io: Io, json: boolean, body: object, text: string): void {
  io.out(json ? JSON.stringify(body) : text);
}

export const recallPublishCommand: Command = {
  path: ['recall', 'publish'],
  summary: 'publish a signed recall notice (retained, one topic per recall and scope) and update the signed index of each scope',
  usage: 'recall publish <signed-file> --broker <url> --key <platform-index-dir> [--state <dir> | --db <postgres-url>] [--index-lifetime <s>] [--json]',
  options: { ...brokerOptions, ...publisherOptions, json: { type: 'boolean' } },
  run: (values, positionals, io) => unreachableAs3(io, values, async () => {
    const bytes = new Uint8Array(readFileSync(requirePositional(positionals, 0, '<signed-file>')));
    const publisher = await openPublisher(values);
    try {
      await publisher.verify(bytes); // refuse before touching the broker
      const client = await connectBroker(values, `platform-recall-publish-${process.pid}`);
      try {
        const r = await publisher.publish(bytes, retained(client));
        print(io, !!values.json, r, `recall ${r.recallId} revision ${r.revision} ${r.changed ? 'published' : 'republished (unchanged)'} in ${r.scopes.join(', ')}; indexes signed: ${r.indexes.join(', ') || 'none'}`);
        return EXIT.OK;
      } finally {
        await client.endAsync();
      }
    } finally {
      await publisher.close();
    }
  }),
};

export const recallRepublishCommand: Command = {
  path: ['recall', 'republish'],
  summary: 'retain every current notice and index again; with --watch stay connected, republish on every reconnect and re-sign indexes before they expire',
  usage: 'recall republish --broker <url> --key <platform-index-dir> [--state <dir> | --db <postgres-url>] [--watch [--metrics <[host:]port>]] [--refresh-interval <s>] [--json]',
  options: { ...brokerOptions, ...publisherOptions, ...metricsOption, watch: { type: 'boolean' }, 'refresh-interval': { type: 'string' }, json: { type: 'boolean' } },
  run: (values, _p, io) => unreachableAs3(io, values, async () => {
    const publisher = await openPublisher(values);
    try {
      return await republish(publisher, values, io);
    } finally {
      await publisher.close();
    }
  }),
};

async function republish(publisher: Publisher, values: Values, io: Io): Promise<number> {
  const json = !!values.json;
  if (!values.watch) {
    if (values.metrics !== undefined) throw new UsageError('--metrics: only with --watch (a single republish exits at once)');
    const client = await connectBroker(values, `platform-recall-republish-${process.pid}`);
    try {
      const r = await publisher.republishAll(retained(client));
      print(io, json, { republished: r }, `republished ${r.notices} notice topics and ${r.indexes} indexes`);
      return EXIT.OK;
    } finally {
      await client.endAsync();
    }
  }
  const every = Number(optionalString(values, 'refresh-interval') ?? '60');
  if (!Number.isFinite(every) || every <= 0) throw new UsageError('--refresh-interval: expected seconds > 0');
  // A persistent client id: one watcher per platform. Every connect (the first, and each
  // after the broker restarted, possibly empty) republishes the whole retained set.
  const metrics = await startMetrics(values, io, () => observedRepublisher(publisher));
  const client = await connectBroker(values, 'platform-recall-republisher', true).catch(async (err: unknown) => {
    await metrics?.close(); // else its listening socket keeps the process alive
    throw err;
  });
  let busy: Promise<unknown> = Promise.resolve();
  const run = (what: 'connect' | 'refresh'): void => {
    busy = busy.then(async () => {
      try {
        if (what === 'connect') {
          const r = await publisher.republishAll(retained(client));
          print(io, json, { event: 'republished', ...r, at: Date.now() }, `republished ${r.notices} notice topics and ${r.indexes} indexes`);
        } else {
          const scopes = await publisher.refresh(retained(client));
          if (scopes.length) print(io, json, { event: 'refreshed', scopes, at: Date.now() }, `re-signed ${scopes.join(', ')}`);
        }
      } catch (err) {
        print(io, json, { event: 'error', code: (err as { code?: string }).code ?? 'INTERNAL', message: (err as Error).message }, `error: ${(err as Error).message}`);
      }
    });
  };
  client.on('connect', () => run('connect'));
  client.on('error', () => undefined); // reconnects; each connect republishes
  run('connect');
  const timer = setInterval(() => run('refresh'), every * 1000);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  clearInterval(timer);
  await busy;
  await client.endAsync();
  await metrics?.close();
  return EXIT.OK;
}

export const revokeCommand: Command = {
  path: ['revoke'],
  summary: 'revoke a key (by kid) or a unit code: added to the signed country index and republished; refused while it would stop an active recall from verifying',
  usage:
    'revoke --key <platform-index-dir> (--kid <hex> | --code <code>)... --broker <url> [--reason keyCompromise|superseded|retired] [--at <time>] [--weaken-recalls] [--state <dir> | --db <postgres-url>] [--json]',
  options: {
    ...brokerOptions,
    ...publisherOptions,
    kid: { type: 'string', multiple: true },
    code: { type: 'string', multiple: true },
    reason: { type: 'string' },
    at: { type: 'string' },
    'weaken-recalls': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  run: (values, _p, io) => unreachableAs3(io, values, async () => {
    const publisher = await openPublisher(values);
    try {
      return await revokeWith(publisher, values, io);
    } finally {
      await publisher.close();
    }
  }),
};

async function revokeWith(publisher: Publisher, values: Values, io: Io): Promise<number> {
  const kids = ((values.kid as string[] | undefined) ?? []).map((k) => k.toLowerCase());
  const root = publisher.authority.verified!.root;
  const codes = ((values.code as string[] | undefined) ?? []).map((c) => parseCode(c, root.codeScheme).code);
  if (kids.length + codes.length === 0) throw new UsageError('expected at least one --kid <hex> or --code <code>');
  for (const k of kids) if (!/^[0-9a-f]{32}$/.test(k)) throw new UsageError(`--kid: expected 32 hex digits (a key id), got ${k}`);
  const reason = (optionalString(values, 'reason') ?? 'keyCompromise') as RevocationReason;
  if (!REVOCATION_REASONS.includes(reason)) throw new UsageError(`--reason: expected one of ${REVOCATION_REASONS.join(', ')}, got ${reason}`);
  const atText = optionalString(values, 'at');
  const at = atText === undefined ? Math.floor(Date.now() / 1000) : parseTime(/^\d+$/.test(atText) ? Number(atText) : atText, '--at');
  const keys: KeyRevocation[] = kids.map((kid) => ({ kid, reason, at }));
  const client = await connectBroker(values, `platform-revoke-${process.pid}`);
  try {
    const r = await publisher.revoke({ keys, codes }, retained(client), { weakenRecalls: values['weaken-recalls'] === true });
    const weakened = r.weakened.length ? `; recalls weakened on purpose: ${r.weakened.map((w) => w.recallId).join(', ')}` : '';
    print(io, !!values.json, { revoked: { keys, codes }, ...r }, `${r.changed ? 'revoked' : 'already revoked'}: ${[...kids, ...codes].join(', ')}; indexes signed: ${r.indexes.join(', ') || 'none'}${weakened}`);
    return EXIT.OK;
  } catch (err) {
    if (!(err instanceof IndexError) || err.code !== 'INDEX_WEAKENS_RECALLS') throw err;
    printError(io, !!values.json, err);
    return EXIT.REJECTED;
  } finally {
    await client.endAsync();
  }
}

export const policyPublishCommand: Command = {
  path: ['policy', 'publish'],
  summary: "carry the country's root-signed recall policy in the signed country index (only a newer version), and republish it",
  usage: 'policy publish <signed-file> --broker <url> --key <platform-index-dir> [--state <dir> | --db <postgres-url>] [--json]',
  options: { ...brokerOptions, ...publisherOptions, json: { type: 'boolean' } },
  run: countryIndexPublish({
    positional: '<signed-file>',
    clientTag: 'policy-publish',
    check: (publisher, bytes) => publisher.checkPolicy(bytes),
    publish: (publisher, bytes, to) => publisher.publishPolicy(bytes, to),
    text: (r) => `recall policy version ${r.version} ${r.changed ? 'published' : 'already published'}; indexes signed: ${r.indexes.join(', ') || 'none'}`,
  }),
};
