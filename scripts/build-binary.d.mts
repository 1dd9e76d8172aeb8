// Types for the parts of scripts/build-binary.mjs that TypeScript code imports.
export const NODE_VERSION: string;
export function outputPath(arch: 'x64' | 'arm64'): string;
export function cachedNodePath(arch: 'x64' | 'arm64'): string;
/** SEA asset name -> its file under dist/. */
export const SEA_ASSETS: Readonly<Record<string, string>>;
