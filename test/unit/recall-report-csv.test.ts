// The regulator's CSV: one row per unit and recall, RFC 4180 quoting for reasons that hold
// commas, quotes or line breaks, and a revoked unit reported revoked whatever it acknowledged.
import { expect, it } from 'vitest';
import { campaignCsv } from '../../cli/commands/recall-status.js';
import type { CampaignStatus } from '../../sdk/index.js';

it('quotes what needs quoting and reports revoked units as revoked', () => {
  const status = {
    campaignId: 'C-1',
    notices: [],
    counts: { pending: 1, verified: 0, applied: 0, failed: 1, rejected: 0, revoked: 1 },
    invalidAcks: 0,
    units: [
      { code: 'A', state: 'failed', recalls: [{ recallId: 'R-1', revision: 2, state: 'failed', reason: 'ACTION_EXIT, code "3"\nretry', ackSeq: 4, ackTime: 1_800_000_000 }] },
      { code: 'B', state: 'pending', recalls: [{ recallId: 'R-1', revision: 2, state: 'pending' }] },
      { code: 'C', state: 'revoked', recalls: [{ recallId: 'R-1', revision: 2, state: 'applied', ackSeq: 1, ackTime: 1_800_000_000 }] },
    ],
  } as unknown as CampaignStatus;
  expect(campaignCsv(status)).toEqual([
    'code,recall_id,revision,targeted,acknowledged,applied,state,reason,ack_seq,ack_time',
    'A,R-1,2,yes,yes,no,failed,"ACTION_EXIT, code ""3""\nretry",4,2027-01-15T08:00:00.000Z',
    'B,R-1,2,yes,no,no,pending,,,',
    'C,R-1,2,yes,yes,yes,revoked,,1,2027-01-15T08:00:00.000Z',
  ]);
});
