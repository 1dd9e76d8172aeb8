// The one file of sm-crypto the page takes: its SM3 over a byte array.
declare module 'sm-crypto/src/sm2/sm3.js' {
  const sm3module: { sm3(bytes: number[]): number[] };
  export default sm3module;
}
