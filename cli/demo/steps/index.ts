/** The story, in order. */
import type { DemoContext } from '../context.js';
import type { Step } from '../story.js';
import { authoritiesStep } from './authorities.js';
import { brokerStep } from './broker.js';
import { provisionStep } from './provision.js';
import { agentStep } from './agent.js';
import { ingestStep } from './ingest.js';
import { attestStep, maintenanceStep } from './technician.js';
import { forgedRecallStep, recallStep } from './recall.js';
import { endOfLifeStep, registrationStep, resaleStep } from './life.js';

export const demoSteps: readonly Step<DemoContext>[] = [
  authoritiesStep,
  provisionStep,
  brokerStep,
  agentStep,
  ingestStep,
  registrationStep,
  maintenanceStep,
  attestStep,
  recallStep,
  forgedRecallStep,
  resaleStep,
  endOfLifeStep,
];
