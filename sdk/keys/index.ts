export { generateKeyPair, privateKeyToPem, privateKeyFromPem, publicKeyToPem, publicKeyFromPem, isEncryptedPem, type KeyPair } from './pem.js';
export { writePrivateKeyFile, writePublicKeyFile, readPrivateKeyFile, readPublicKeyFile, loadSigner, type PrivateKeyFileOptions } from './files.js';
