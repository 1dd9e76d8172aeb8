/**
 * Signing and co-signing recall notices (docs/protocol.md §"Who may sign a recall"). Every
 * notice is a COSE_Sign, even with one signer, so a co-signer appends a signature without
 * touching the payload or the other signatures. Each signature carries its signer's
 * certificate in its own unprotected header.
 */
import { HEADER } from '../cose/headers.js';
import { addSignature } from '../cose/sign.js';
import { signObjectMulti } from '../cose/object.js';
import type { CborValue } from '../cbor/index.js';
import type { Signer } from '../crypto/signer.js';
import { PROTOCOL_VERSION } from '../version.js';
import { RECALL_MAX_BYTES, checkNoticeShape, recallKind, type RecallNotice } from './notice.js';
import { openRecall } from './verify.js';

export type RecallInput = Omit<RecallNotice, 'v'>;

export async function signRecall(input: RecallInput, signer: Signer, certificate: Uint8Array): Promise<Uint8Array> {
  const notice: RecallNotice = { v: PROTOCOL_VERSION, ...input };
  checkNoticeShape(notice);
  return signObjectMulti(recallKind, notice, signer, certificate);
}

/** Appends `signer`'s signature; a key that already signed is refused (COSE_MALFORMED). */
export async function cosignRecall(bytes: Uint8Array, signer: Signer, certificate: Uint8Array): Promise<Uint8Array> {
  openRecall(bytes); // refuse to add a signature to anything that is not a well-formed notice
  const unprotected = new Map<number, CborValue>([[HEADER.certificate, certificate]]);
  return addSignature(bytes, signer, { maxBytes: RECALL_MAX_BYTES, what: recallKind.name, unprotected });
}
