/**
 * Bundles the fleet-simulation worker into one CommonJS file with esbuild, as the product
 * itself is bundled (scripts/bundle.mjs), so workers run on plain node: no TypeScript loader
 * thread and transpile cache in each of them. (The workers' old "provisioning hang" was not
 * tsx but a Node 20 deadlock in key generation, fixed in sdk/keys/pem.ts generateKeyPair.)
 */
import { build } from 'esbuild';
import { join } from 'node:path';

export async function bundleWorker(outDir: string): Promise<string> {
  const outfile = join(outDir, 'fleet-sim-worker.cjs');
  await build({
    entryPoints: [new URL('./worker.ts', import.meta.url).pathname],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: false,
    logLevel: 'warning',
    // cbor-x's optional native addon loads from node_modules at run time, as it does unbundled.
    external: ['cbor-extract'],
  });
  return outfile;
}
