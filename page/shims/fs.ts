/** node:fs for the page (see README.md here): present for imports; the page reads no files. */
const absent = (name: string) => (): never => {
  throw new Error(`node:fs ${name}: not in the page`);
};
export const readFileSync = absent('readFileSync');
export const writeFileSync = absent('writeFileSync');
export const existsSync = (): boolean => false;
export const openSync = absent('openSync');
export const closeSync = absent('closeSync');
export const fsyncSync = absent('fsyncSync');
export const renameSync = absent('renameSync');
export const mkdirSync = absent('mkdirSync');
export const unlinkSync = absent('unlinkSync');
export const writeSync = absent('writeSync');
export const statSync = absent('statSync');
export const appendFileSync = absent('appendFileSync');
export const fchmodSync = absent('fchmodSync');
export const rmSync = absent('rmSync');
export const readdirSync = absent('readdirSync');
export const lstatSync = absent('lstatSync');
export default { fchmodSync, rmSync, readdirSync, lstatSync,  readFileSync, writeFileSync, existsSync, openSync, closeSync, fsyncSync, renameSync, mkdirSync, unlinkSync, writeSync, statSync, appendFileSync };
