export { type Ed25519Backend, ED25519_PUBLIC_BYTES, ED25519_SEED_BYTES, ED25519_SIGNATURE_BYTES } from './backend.js';
export { nodeEd25519 } from './ed25519-node.js';
export { nobleEd25519 } from './ed25519-noble.js';
export { type Signer, seedSigner, keyId, kidHex, COSE_ALG_EDDSA } from './signer.js';
export { sha256, randomBytes32, toHex, fromHex } from './hash.js';
export { type ChainSigned, type ChainThreadOptions } from './chain-thread.js';
export { weakEd25519Key, ED25519_SMALL_ORDER_KEYS } from './ed25519-key-check.js';
