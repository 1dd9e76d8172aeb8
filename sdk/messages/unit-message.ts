/**
 * Messages a unit signs with its device key (events, heartbeats, birth, death, acks,
 * attestations). A verifier that holds the unit's verified identity record checks them with
 * `verifyUnitMessage`: decode steps, then the kid and the signature against the record's
 * device key, over the bytes received. Objects carry no certificate: the identity record is
 * the device key's certificate.
 */
import { MessageError, RobotIdError } from '../errors.js';
import type { Ed25519Backend } from '../crypto/backend.js';
import { nodeEd25519 } from '../crypto/ed25519-node.js';
import { bytesEqual } from '../cbor/index.js';
import { algMismatch } from '../cose/pinned.js';
import { openSign1, verifyOpened, type ObjectKind, type Opened, type Versioned } from '../cose/object.js';
import type { VerifiedIdentity } from '../trust/verify-identity.js';

/** Maps decode failures to MessageError('MSG_MALFORMED' | 'MSG_WRONG_KIND'). */
export function openUnitMessage<T extends Versioned>(kind: ObjectKind<T>, bytes: Uint8Array): Opened<T> {
  try {
    return openSign1(kind, bytes);
  } catch (err) {
    const code = err instanceof RobotIdError && err.code === 'COSE_WRONG_KIND' ? 'MSG_WRONG_KIND' : 'MSG_MALFORMED';
    throw new MessageError(code, err instanceof Error ? err.message : String(err), { cause: err });
  }
}

export function verifyUnitMessage<T extends Versioned & { code: string }>(
  kind: ObjectKind<T>,
  bytes: Uint8Array,
  identity: VerifiedIdentity,
  backend: Ed25519Backend = nodeEd25519,
): Opened<T> {
  const opened = openUnitMessage(kind, bytes);
  if (!bytesEqual(opened.cose.protected.kid!, identity.deviceKid)) {
    throw new MessageError('MSG_BAD_SIGNATURE', `${kind.name}: signed by a key other than ${identity.code.code}'s device key`);
  }
  // The no-downgrade rule: only the algorithm the identity record pins the device key to.
  const why = algMismatch(opened.cose.protected.alg, identity.deviceAlg);
  if (why) throw new MessageError('MSG_ALG_MISMATCH', `${kind.name}: ${why}`);
  if (!verifyOpened(opened, identity.devicePublicKey, backend, identity.deviceAlg)) {
    throw new MessageError('MSG_BAD_SIGNATURE', `${kind.name}: signature does not verify`);
  }
  if (opened.value.code !== identity.code.code) {
    throw new MessageError('MSG_BAD_SIGNATURE', `${kind.name}: names unit ${opened.value.code} but was signed by ${identity.code.code}`);
  }
  return opened;
}
