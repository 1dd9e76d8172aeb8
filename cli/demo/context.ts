/** What the demo's steps share: the temporary directory, the actors, and what to undo. */
import type { Authority, VerifiedIdentity } from '../../sdk/index.js';
import type { Io } from '../command.js';
import type { DemoBroker } from './broker.js';

export interface DemoContext {
  dir: string;
  io: Io;
  /** A broker URL from ROBOT_ID_BROKER_URL, if any. */
  externalBrokerUrl?: string;
  /** COSE alg of every key the demo makes (`demo --alg sm2`); absent: EdDSA. */
  alg?: number;
  root?: Authority;
  enterprise?: Authority;
  /** Platform authorities by role group: recall signer, co-signer, index, receipt. */
  platform?: { recall: Authority; cosigner: Authority; index: Authority; receipt: Authority };
  unit?: { stateDir: string; code: string; identity: VerifiedIdentity; configFile: string; socketPath: string; hardwareIdFile: string };
  broker?: DemoBroker;
  /** Run in reverse order at the end, whatever happened. */
  cleanups: (() => Promise<void>)[];
  /** Free-form handles the later steps pick up (agent, ingest, ...). */
  handles: Record<string, unknown>;
}
