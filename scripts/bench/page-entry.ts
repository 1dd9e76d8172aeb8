/**
 * The browser side of scripts/bench/page.ts: the page's own verification path (decode the
 * scanned text, verify the label against the bundle, noble backend), bundled exactly as the page
 * is (page/build.mjs browserBundle), exposed as globalThis.ridBench.
 */
import { nobleEd25519 } from '../../sdk/crypto/ed25519-noble.js';
import { parseTrustBundle, type TrustBundle } from '../../sdk/label/bundle.js';
import { decodeLabelPayload } from '../../sdk/label/payload.js';
import { verifyLabel } from '../../sdk/label/verify.js';

let payload = '';
let bundle: TrustBundle | undefined;

function once(): void {
  verifyLabel(decodeLabelPayload(payload), bundle!, { backend: nobleEd25519 });
}

Object.assign(globalThis, {
  ridBench: {
    setup(text: string, bundleJson: unknown): string {
      payload = text;
      bundle = parseTrustBundle(bundleJson);
      once();
      return (globalThis as unknown as { navigator: { userAgent: string } }).navigator.userAgent;
    },
    /** Verifications per second over `ms` milliseconds. */
    run(ms: number): number {
      let ops = 0;
      const start = performance.now();
      while (performance.now() - start < ms) {
        once();
        ops++;
      }
      return (ops / (performance.now() - start)) * 1000;
    },
  },
});
