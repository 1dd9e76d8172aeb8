/**
 * The demo's MQTT broker: aedes in this process on a free loopback port (MQTT 3.1.1; aedes
 * refuses MQTT 5 clients), unless the caller names a broker URL.
 */
import { createServer, type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';

export interface DemoBroker {
  url: string;
  embedded: boolean;
  close(): Promise<void>;
}

export async function startDemoBroker(external: string | undefined): Promise<DemoBroker> {
  if (external) return { url: external, embedded: false, close: async () => undefined };
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    embedded: true,
    close: () =>
      new Promise<void>((resolve) => {
        server.close();
        broker.close(() => resolve());
      }),
  };
}
