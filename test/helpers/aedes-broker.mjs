// A Node MQTT 3.1.1 broker (aedes) for machines without mosquitto: run as a child process so
// a test can SIGKILL it like a real broker. Usage: node aedes-broker.mjs <port>. Anonymous only
// (the ACL tests need mosquitto and say so). Prints "ready <port>" when listening.
import { createServer } from 'node:net';
import { Aedes } from 'aedes';

const port = Number(process.argv[2]);
const broker = await Aedes.createBroker();
const server = createServer(broker.handle);
server.listen(port, '127.0.0.1', () => process.stdout.write(`ready ${port}\n`));
process.on('SIGTERM', () => {
  server.close();
  broker.close(() => process.exit(0));
});
