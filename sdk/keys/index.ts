export { generateKeyPair, privateKeyToPem, privateKeyFromPem, publicKeyToPem, publicKeyFromPem, isEncryptedPem, type KeyPair } from './pem.js';
export { writePrivateKeyFile, writePublicKeyFile, readPrivateKeyFile, readPublicKeyFile, loadSigner, type PrivateKeyFileOptions } from './files.js';
export { readAlgPrivateKeyFile, writeAlgPrivateKeyFile, writeAlgPublicKeyFile } from './files.js';
export { generateAlgKeyPair, algSigner, algPrivateKeyToPem, algPublicKeyToPem, algPrivateKeyFromPem, type AlgKeyPair } from './alg-keys.js';
