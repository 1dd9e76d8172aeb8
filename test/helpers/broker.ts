/**
 * A real MQTT broker for integration tests: mosquitto on a free port in a temp dir, which the
 * test can SIGKILL, SIGTERM and restart on the same port (memory lost: persistence is off).
 * Where mosquitto is missing the tests fall back to aedes in a child process and say so;
 * ROBOT_ID_REQUIRE_MOSQUITTO=1 (set by .ci/run) turns the fallback into a failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MOSQUITTO_PATHS = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto', '/usr/local/bin/mosquitto'];

export function mosquittoPath(): string | undefined {
  return MOSQUITTO_PATHS.find((p) => existsSync(p));
}

export type BrokerKind = 'mosquitto' | 'aedes';

/** Which broker the tests will get; warns once when it is the fallback. */
export function brokerKind(): BrokerKind {
  // ROBOT_ID_TEST_BROKER=aedes forces the fallback (to check it on a machine with mosquitto).
  if (mosquittoPath() && process.env.ROBOT_ID_TEST_BROKER !== 'aedes') return 'mosquitto';
  if (process.env.ROBOT_ID_REQUIRE_MOSQUITTO === '1') throw new Error('mosquitto is required (ROBOT_ID_REQUIRE_MOSQUITTO=1) but not installed');
  if (!warned) {
    warned = true;
    console.warn('test broker: mosquitto not found, using aedes (Node) in a child process; ACL tests are skipped');
  }
  return 'aedes';
}
let warned = false;

export interface BrokerAuth {
  passwordFile: string;
  aclFile: string;
}

export interface BrokerOptions {
  /** Password file and ACL (mosquitto only); anonymous clients are then refused. */
  auth?: BrokerAuth;
  /** Extra mosquitto.conf lines. */
  config?: string[];
}

export interface TestBroker {
  readonly kind: BrokerKind;
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Sends `signal` and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Sends `signal` without waiting (SIGSTOP / SIGCONT freeze and thaw it). */
  signal(signal: NodeJS.Signals): void;
  /** Starts again on the same port (after kill). */
  start(): Promise<void>;
  /** SIGTERM, wait, remove the temp dir. */
  stop(): Promise<void>;
  running(): boolean;
  log(): string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** The broker settings the product documents (packaging/broker/mosquitto.conf), on a test port. */
function mosquittoConf(port: number, dir: string, opts: BrokerOptions): string {
  return [
    `listener ${port} 127.0.0.1`,
    // Runs as root in CI containers; without this mosquitto drops to user "mosquitto".
    'user root',
    'persistence false',
    'max_queued_messages 100000',
    'max_inflight_messages 100',
    'set_tcp_nodelay true',
    `log_dest file ${join(dir, 'broker.log')}`,
    'log_type error',
    'log_type warning',
    'log_type notice',
    opts.auth ? 'allow_anonymous false' : 'allow_anonymous true',
    ...(opts.auth ? [`password_file ${opts.auth.passwordFile}`, `acl_file ${opts.auth.aclFile}`] : []),
    ...(opts.config ?? []),
    '',
  ].join('\n');
}

export async function startBroker(opts: BrokerOptions = {}): Promise<TestBroker> {
  const kind = brokerKind();
  if (kind === 'aedes' && opts.auth) throw new Error('broker auth tests need mosquitto');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rid-broker-'));
  const confPath = join(dir, 'mosquitto.conf');
  if (kind === 'mosquitto') writeFileSync(confPath, mosquittoConf(port, dir, opts));
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';

  const start = async (): Promise<void> => {
    if (child) throw new Error('broker already running');
    const [cmd, args] =
      kind === 'mosquitto'
        ? [mosquittoPath()!, ['-c', confPath]]
        : [process.execPath, [fileURLToPath(new URL('./aedes-broker.mjs', import.meta.url)), String(port)]];
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = c;
    c.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    c.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    exited = new Promise((resolve) =>
      c.once('exit', () => {
        if (child === c) child = undefined;
        resolve();
      }),
    );
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(port))) {
      if (!child) throw new Error(`broker exited at start:\n${output}${readLog()}`);
      if (Date.now() > deadline) throw new Error(`broker did not listen on ${port}:\n${output}${readLog()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const readLog = (): string => (existsSync(join(dir, 'broker.log')) ? readFileSync(join(dir, 'broker.log'), 'utf8') : '');
  const kill = async (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> => {
    if (!child) return;
    child.kill(signal);
    await exited;
  };
  await start();
  return {
    kind,
    port,
    url: `mqtt://127.0.0.1:${port}`,
    dir,
    kill,
    signal: (signal) => void child?.kill(signal),
    start,
    async stop() {
      await kill('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
    running: () => child !== undefined,
    log: () => output + readLog(),
  };
}
