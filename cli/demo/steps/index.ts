/** The story, in order. */
import type { DemoContext } from '../context.js';
import type { Step } from '../story.js';
import { authoritiesStep } from './authorities.js';
import { brokerStep } from './broker.js';
import { provisionStep } from './provision.js';

export const demoSteps: readonly Step<DemoContext>[] = [authoritiesStep, provisionStep, brokerStep];
