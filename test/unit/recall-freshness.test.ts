import { describe, expect, it } from 'vitest';
import { freshness } from '../../agent/recall-sync/freshness.js';

const base = { startedMs: 1_000_000, maxAgeMs: 10_000 };

describe('recall index freshness', () => {
  it('is complete while every required index is held, recent enough and unexpired', () => {
    const f = freshness({ ...base, nowMs: 1_500_000, required: new Map([['c/86', 0], ['m/1/2', 3]]), held: (s) => ({ version: s === 'c/86' ? 1 : 3, expiresAt: 2000 }), missingSince: new Map() });
    expect(f).toEqual({ complete: true, stale: false, failing: [] });
  });

  it('counts a cut-off from the expiry, never from before the start', () => {
    const held = () => ({ version: 1, expiresAt: 1200 });
    const req = new Map([['c/86', 0]]);
    expect(freshness({ ...base, nowMs: 1_210_000, required: req, held, missingSince: new Map() })).toMatchObject({ stale: false, incompleteSince: 1_200_000 });
    expect(freshness({ ...base, nowMs: 1_210_001, required: req, held, missingSince: new Map() })).toMatchObject({ stale: true, failing: ['c/86'] });
    expect(freshness({ ...base, nowMs: 1_010_001, required: req, held: () => ({ version: 1, expiresAt: 500 }), missingSince: new Map() })).toMatchObject({ stale: true, incompleteSince: 1_000_000 });
  });

  it('treats a missing index or one older than the country index names as failing since it became required', () => {
    const missingSince = new Map([['m/1/2', 1_100_000]]);
    const f = freshness({ ...base, nowMs: 1_110_001, required: new Map([['c/86', 0], ['m/1/2', 5]]), held: (s) => (s === 'c/86' ? { version: 9, expiresAt: 9999 } : { version: 4, expiresAt: 9999 }), missingSince });
    expect(f).toMatchObject({ complete: false, stale: true, incompleteSince: 1_100_000, failing: ['m/1/2'] });
  });
});
