/** Any other Node module on an import path of the page (see README.md here): nothing in it. */
export const join = (...parts: string[]): string => parts.join('/');
export const dirname = (p: string): string => p.replace(/\/[^/]*$/, '');
export default {};
