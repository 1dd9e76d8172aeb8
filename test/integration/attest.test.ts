/**
 * Proof of identity with the real `robot-id attest` against a real agent process: a good
 * attestation (socket and TCP); a replayed answer (a relay plays back what the unit said to
 * another nonce); a record copied onto a second machine with another key (the real agent
 * refuses to start with it, and an impostor serving it cannot answer); revocation; another
 * trust store.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initRoot, kidHex, loadSigner, makeNonce, nonceToText, signAttestation, VERSION } from '../../sdk/index.js';
import { startAgentProcess, type Proc } from '../helpers/agent-process.js';
import { freePort } from '../helpers/broker.js';
import type { TestUnit } from '../helpers/pki.js';
import { json, robotId, waitForAgent } from '../helpers/technician.js';
import { useWorld } from '../helpers/world.js';

const TOKEN = 'attest-test-token-0123456789abcdef0123';
const world = useWorld('attest-', { pki: true });
let unit: TestUnit;
let socket: string;
let trust: string;
let tcpPort: number;
const servers: Server[] = [];
world.cleanup(() => {
  for (const s of servers) s.close();
});

function agentConfig(u: TestUnit, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { stateDir: u.stateDir, hardwareIdSource: { file: u.hardwareIdFile }, brokerUrl: world.broker.url, heartbeatIntervalMs: 500, logLevel: 'warn', ...extra };
}

/** A stand-in "robot" on TCP that answers /v1/attest and /v1/identity with `answer`. */
async function fakeRobot(answer: (nonce: string) => Promise<unknown>): Promise<string> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      void (async () => {
        const nonce = body ? ((JSON.parse(body) as { nonce?: string }).nonce ?? '') : '';
        const out = JSON.stringify(await answer(nonce));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(out);
      })();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Asks the real agent over its socket to sign `nonce` (what a relay would record). */
async function realAnswer(nonce: Uint8Array): Promise<{ attestation: string; identity: string }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ nonce: nonceToText(nonce) });
    const req = request({ socketPath: socket, path: '/v1/attest', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let out = '';
      res.on('data', (c: Buffer) => (out += c.toString()));
      res.on('end', () => resolve(JSON.parse(out) as { attestation: string; identity: string }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

beforeAll(async () => {
  unit = await world.pki.provision();
  trust = join(world.pki.dir, 'root', 'trust.json');
  tcpPort = await freePort();
  socket = join(unit.stateDir, 'agent.sock');
  startAgentProcess(world.tmp, agentConfig(unit, { apiTcpPort: tcpPort, apiTcpHost: '127.0.0.1', apiToken: TOKEN }));
  await waitForAgent(socket);
}, 60_000);

describe('robot-id attest', () => {
  it('a fresh nonce answered by the unit verifies on the technician side (socket and TCP)', async () => {
    const r = await robotId(['attest', '--agent', socket, '--trust', trust, '--code', unit.code, '--json']);
    expect(r.status).toBe(0);
    expect(json(r)).toMatchObject({ valid: true, code: unit.code, deviceKid: kidHex(unit.identity.deviceKid), bootCount: 1, swVersion: VERSION });
    const tcp = await robotId(['attest', '--agent', `http://127.0.0.1:${tcpPort}`, '--token', TOKEN, '--trust', trust]);
    expect(tcp.status).toBe(0);
    expect(tcp.stdout).toContain('attested:');
    expect(tcp.stdout).toContain('signed our fresh nonce');
  });

  it('a replayed answer (recorded for another nonce) is rejected', async () => {
    const recorded = await realAnswer(makeNonce());
    // The recording is genuine: it verifies against the nonce it answered.
    const relay = await fakeRobot(async () => recorded);
    const r = await robotId(['attest', '--agent', relay, '--token', TOKEN, '--trust', trust, '--json']);
    expect(r.status).toBe(1);
    expect(json(r)).toMatchObject({ valid: false, error: { code: 'ATTEST_NONCE_MISMATCH' } });
  });

  it('a relay that forwards the fresh nonce to the real unit passes: attestation proves the key, not the cable', async () => {
    const relay = await fakeRobot(async (nonce) => realAnswer(new Uint8Array(Buffer.from(nonce, 'base64url'))));
    expect((await robotId(['attest', '--agent', relay, '--token', TOKEN, '--trust', trust, '--json'])).status).toBe(0);
  });

  it('a record copied onto another machine with another key: the agent refuses it, an impostor cannot answer', async () => {
    const other = await world.pki.provision();
    for (const f of ['identity.cose', 'layout.json']) copyFileSync(join(unit.stateDir, f), join(other.stateDir, f));
    const copied: Proc = startAgentProcess(world.tmp, agentConfig(other));
    const status = await new Promise<number | null>((r) => copied.child.once('exit', (code) => r(code)));
    expect(status).toBe(11); // device key mismatch: docs/operations.md
    // An impostor that skips the agent's check: serves the copied record and signs with its own key.
    const otherKey = loadSigner(join(other.stateDir, 'device.key'));
    const identity = new Uint8Array(readFileSync(join(other.stateDir, 'identity.cose')));
    const impostor = await fakeRobot(async (nonce) => ({
      identity: Buffer.from(identity).toString('base64'),
      attestation: Buffer.from(
        await signAttestation(otherKey, { nonce: new Uint8Array(Buffer.from(nonce, 'base64url')), code: unit.code, identity, bootCount: 1, uptimeS: 1, swVersion: VERSION, now: Math.floor(Date.now() / 1000) }),
      ).toString('base64'),
    }));
    const r = await robotId(['attest', '--agent', impostor, '--token', TOKEN, '--trust', trust, '--json']);
    expect(r.status).toBe(1);
    expect(json(r)).toMatchObject({ valid: false, error: { code: 'ATTEST_BAD_SIGNATURE' } });
    const readable = await robotId(['attest', '--agent', impostor, '--token', TOKEN, '--trust', trust]);
    expect(readable.stderr).toContain('ATTEST_BAD_SIGNATURE');
  });

  it('a revoked device key, another trust store, or another expected unit: rejected', async () => {
    const revocations = join(world.tmp, 'revoked.json');
    writeFileSync(revocations, JSON.stringify({ keys: [kidHex(unit.identity.deviceKid)] }));
    const revoked = await robotId(['attest', '--agent', socket, '--trust', trust, '--revocations', revocations, '--json']);
    expect(revoked.status).toBe(1);
    expect(json(revoked)).toMatchObject({ error: { code: 'ATTEST_IDENTITY' } });
    expect(json<{ error: { message: string } }>(revoked).error.message).toContain('TRUST_REVOKED');
    const foreign = initRoot({ dir: join(world.tmp, 'foreign-root'), country: '86' });
    const untrusted = await robotId(['attest', '--agent', socket, '--trust', join(foreign.dir, 'trust.json'), '--json']);
    expect(json(untrusted)).toMatchObject({ valid: false, error: { code: 'ATTEST_IDENTITY' } });
    const wrongUnit = await robotId(['attest', '--agent', socket, '--trust', trust, '--code', unit.code.slice(0, -1) + '9', '--json']);
    expect(json(wrongUnit)).toMatchObject({ valid: false, error: { code: 'ATTEST_WRONG_UNIT' } });
    expect((await robotId(['attest', '--agent', join(world.tmp, 'nothing.sock'), '--trust', trust])).status).toBe(3);
  });
});
