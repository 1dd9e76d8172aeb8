export { type Ed25519Backend, ED25519_PUBLIC_BYTES, ED25519_SEED_BYTES, ED25519_SIGNATURE_BYTES } from './backend.js';
export { nodeEd25519, nodeEd25519Unkept } from './ed25519-node.js';
export { nobleEd25519 } from './ed25519-noble.js';
export { type Signer, seedSigner, keyId, kidHex, COSE_ALG_EDDSA } from './signer.js';
export { sha256, randomBytes32, toHex, fromHex } from './hash.js';
export { type ChainSigned, type ChainThreadOptions } from './chain-thread.js';
export { weakEd25519Key, ED25519_SMALL_ORDER_KEYS } from './ed25519-key-check.js';
export { SIGNATURE_ALGS, ALG_NAMES, type AlgName, isSupportedAlg, algFromName, algName, describeAlg, publicKeyBytes, publicKeyProblem, keyIdFor, verifyWithAlg } from './alg.js';
export { COSE_ALG_SM2_SM3, sm2Signer, sm2KeyId } from './sm2-signer.js';
export { sm2Sign, sm2Verify, sm2ZA, DEFAULT_SM2_ID } from './sm2.js';
export {
  SM2_PRIVATE_BYTES,
  SM2_PUBLIC_BYTES,
  SM2_SIGNATURE_BYTES,
  type Sm2KeyPair,
  generateSm2KeyPair,
  sm2PublicKey,
  validSm2PrivateKey,
  validSm2PublicKey,
  sm2PrivateKeyToPem,
  sm2PublicKeyToPem,
  sm2PrivateKeyFromPem,
  sm2PublicKeyFromPem,
} from './sm2-keys.js';
export { ProvenSignatures, type SignatureProof } from './proven.js';
