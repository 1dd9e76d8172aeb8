/**
 * Start-up checks (docs/operations.md §"Start-up"): the state directory written by
 * `robot-id provision`, the identity record against the trust store, the device key against
 * the record, and this machine's hardware identifier against the record's binding. Each
 * refusal is an AgentStartError with its own exit status and one clear line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  RobotIdError,
  STATE_FILES,
  STATE_LAYOUT_VERSION,
  TrustStore,
  bytesEqual,
  hardwareBinding,
  readAlgPrivateKeyFile,
  algSigner,
  verifyIdentityRecord,
  type Signer,
  type VerifiedIdentity,
} from '../../sdk/index.js';
import type { AgentConfig } from '../config/index.js';
import { AgentStartError } from '../errors.js';
import { EXIT_STATUS } from '../exit-status.js';
import { describeSource, readHardwareId } from './hardware-id.js';

export interface UnitIdentity {
  identity: VerifiedIdentity;
  signer: Signer;
  trust: TrustStore;
}

function reason(err: unknown): string {
  return err instanceof RobotIdError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
}

function noIdentity(message: string, cause?: unknown): AgentStartError {
  return new AgentStartError('START_NO_IDENTITY', EXIT_STATUS.noIdentity, `no valid identity record: ${message}`, cause === undefined ? undefined : { cause });
}

function readLayoutCode(stateDir: string): string {
  const path = join(stateDir, STATE_FILES.layout);
  let layout: { layout?: unknown; code?: unknown };
  try {
    layout = JSON.parse(readFileSync(path, 'utf8')) as typeof layout;
  } catch (err) {
    throw noIdentity(`${path} unreadable (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); provision the unit with robot-id provision`, err);
  }
  if (layout.layout !== STATE_LAYOUT_VERSION) throw noIdentity(`${path}: expected layout ${STATE_LAYOUT_VERSION}, got ${JSON.stringify(layout.layout)}`);
  if (typeof layout.code !== 'string') throw noIdentity(`${path}: no code`);
  return layout.code;
}

export function checkIdentity(config: Readonly<AgentConfig>): UnitIdentity {
  const layoutCode = readLayoutCode(config.stateDir);
  // The record, verified against the trust store over the bytes on disk.
  let trust: TrustStore;
  try {
    trust = TrustStore.load(config.trustStore);
  } catch (err) {
    throw noIdentity(`trust store ${config.trustStore}: ${reason(err)}`, err);
  }
  const recordPath = join(config.stateDir, STATE_FILES.identity);
  let identity: VerifiedIdentity;
  try {
    identity = verifyIdentityRecord(new Uint8Array(readFileSync(recordPath)), trust);
  } catch (err) {
    throw noIdentity(`${recordPath}: ${reason(err)}`, err);
  }
  if (identity.code.code !== layoutCode) throw noIdentity(`${recordPath} is for ${identity.code.code} but the state directory is for ${layoutCode}`);
  // The device key: the one the record certifies.
  const keyPath = join(config.stateDir, STATE_FILES.deviceKey);
  let signer: Signer;
  try {
    signer = algSigner(readAlgPrivateKeyFile(keyPath));
  } catch (err) {
    throw new AgentStartError('START_KEY_MISMATCH', EXIT_STATUS.keyMismatch, `device key ${keyPath}: ${reason(err)}`, { cause: err });
  }
  if (!bytesEqual(signer.publicKey, identity.record.devicePublicKey) || signer.alg !== identity.deviceAlg) {
    throw new AgentStartError('START_KEY_MISMATCH', EXIT_STATUS.keyMismatch, `device key ${keyPath} is not the key the identity record of ${identity.code.code} certifies`);
  }
  // This machine: the hardware identifier behind the record's binding.
  let hardwareId: string;
  try {
    hardwareId = readHardwareId(config.hardwareIdSource);
  } catch (err) {
    throw new AgentStartError(
      'START_HARDWARE_MISMATCH',
      EXIT_STATUS.hardwareMismatch,
      `hardware identifier unreadable from ${describeSource(config.hardwareIdSource)}: ${reason(err)}`,
      { cause: err },
    );
  }
  if (!bytesEqual(hardwareBinding(identity.code.code, hardwareId), identity.record.hardwareBinding)) {
    throw new AgentStartError(
      'START_HARDWARE_MISMATCH',
      EXIT_STATUS.hardwareMismatch,
      `hardware binding mismatch: the identity record of ${identity.code.code} was issued for other hardware than ${describeSource(config.hardwareIdSource)} names`,
    );
  }
  return { identity, signer, trust };
}
