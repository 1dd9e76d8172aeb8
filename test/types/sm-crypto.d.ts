// The part of sm-crypto (dev-dependency, an independent SM2 implementation) the SM2 tests call.
declare module 'sm-crypto' {
  interface Sm2Options {
    der?: boolean;
    hash?: boolean;
    publicKey?: string;
    userId?: string;
  }
  const smCrypto: {
    sm2: {
      doSignature(msg: string | Uint8Array | number[], privateKeyHex: string, options?: Sm2Options): string;
      doVerifySignature(msg: string | Uint8Array | number[], signatureHex: string, publicKeyHex: string, options?: Sm2Options): boolean;
    };
  };
  export default smCrypto;
}
