/** Loads the platform's index authority and its publisher state for the recall commands. */
import { join } from 'node:path';
import { ROLES, RecallPublisher, loadAuthority, type Authority } from '../../sdk/index.js';
import { UsageError, optionalString, requireString, type Options, type Values } from '../command.js';
import { readPassphrase } from '../passphrase.js';

export const publisherOptions: Options = {
  key: { type: 'string' },
  state: { type: 'string' },
  'index-lifetime': { type: 'string' },
  'passphrase-file': { type: 'string' },
};

export function openPublisher(values: Values): RecallPublisher & { authority: Authority } {
  const dir = requireString(values, 'key');
  const authority = loadAuthority(dir, { passphrase: readPassphrase(values) });
  if (authority.meta.kind !== 'platform' || !authority.verified?.certificate.roles.includes(ROLES.indexSign)) {
    throw new UsageError(`--key ${dir}: expected a platform authority with the ${ROLES.indexSign} role (robot-id platform certify --role index)`);
  }
  const lifetime = optionalString(values, 'index-lifetime');
  const seconds = lifetime === undefined ? undefined : Number(lifetime);
  if (seconds !== undefined && (!Number.isInteger(seconds) || seconds < 60)) throw new UsageError(`--index-lifetime: expected whole seconds >= 60, got ${lifetime}`);
  const publisher = new RecallPublisher({
    stateDir: optionalString(values, 'state') ?? join(dir, 'index-state'),
    signer: authority.signer,
    certificate: authority.certificate!,
    country: authority.meta.country,
    trust: authority.trust,
    indexLifetimeSeconds: seconds,
  });
  return Object.assign(publisher, { authority });
}
