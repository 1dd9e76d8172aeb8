/** Step: an MQTT broker, in this process unless ROBOT_ID_BROKER_URL names one. */
import type { DemoContext } from '../context.js';
import { startDemoBroker } from '../broker.js';
import type { Step } from '../story.js';

export const brokerStep: Step<DemoContext> = {
  title: 'An MQTT broker comes up',
  async run(ctx, n) {
    const broker = await startDemoBroker(ctx.externalBrokerUrl);
    ctx.broker = broker;
    ctx.cleanups.push(() => broker.close());
    n.say(broker.embedded ? `in-process MQTT 3.1.1 broker (aedes) at ${broker.url}` : `using the broker at ${broker.url} (ROBOT_ID_BROKER_URL)`);
    n.say('the broker is only a router: everything that matters is signed inside the payloads');
  },
};
