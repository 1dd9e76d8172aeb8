/** The Buffer global for the page (esbuild `inject`; see README.md here). */
export { Buffer } from 'buffer';
