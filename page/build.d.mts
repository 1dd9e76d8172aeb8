// Types for the parts of page/build.mjs that TypeScript code imports (scripts/bench/page.ts).
export const PAGE_OUT: string;
export function browserBundle(entry: string, options?: { minify?: boolean }): Promise<string>;
export function buildPage(options?: { write?: boolean; minify?: boolean }): Promise<{ html: string; scriptBytes: number }>;
