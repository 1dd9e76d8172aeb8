/**
 * Scrapping ends the identity on the platform side too (docs/protocol.md §"Scrapping"): when
 * the ingest has durably stored a unit's `scrapped` event, its code joins the revocations of
 * the platform's index state as scrapped. The next signing of the country index (the running
 * `recall republish --watch` or any publish) carries it, so every later verification of the
 * unit's record or label says "scrapped: may not be sold or operated".
 */
import type { PublisherStore } from './publisher-store.js';

/** Adds `codes` as scrapped to the publisher state (one change under its lock); returns whether anything changed. */
export async function revokeScrapped(store: PublisherStore, country: string, codes: string[]): Promise<boolean> {
  return store.change(country, (state) => state.revoke({ scrapped: codes }));
}
