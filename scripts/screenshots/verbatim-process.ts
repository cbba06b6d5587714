/**
 * A real `verbatim start` for the screenshots, in its own process and its own data directory, so every part the CLI
 * wires (search, reviews, analytics, live view, administration) is there exactly as it ships, including whatever
 * other branches add to it later. Accounts come from `verbatim users add`, as an operator would make them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { distDir } from '../dist-dir';

export const ROLES = ['agent', 'analyst', 'compliance', 'admin', 'auditor'] as const;
export type Role = (typeof ROLES)[number];
/** One password for every screenshot account: throw-away accounts in a throw-away data directory. */
export const PASSWORD = 'screenshots only password';

export interface VerbatimProcess {
  viewerUrl: string;
  proxyUrl: string;
  stop(): Promise<void>;
}

const cli = path.join(distDir, 'verbatim.js');

export async function addAccounts(dataDir: string): Promise<void> {
  for (const role of ROLES) await run(['users', 'add', role, '--role', role, '--data', dataDir], PASSWORD);
}

/** The sample bank's login form names the customer (docs/ACCESS.md, identity rules): agents find them by it. */
export async function writeIdentityRules(dataDir: string): Promise<void> {
  await writeFile(path.join(dataDir, 'identity.json'), JSON.stringify({ rules: [{ from: 'form', field: 'customerId', url: '/login' }] }), { mode: 0o600 });
}

export async function startVerbatim(dataDir: string): Promise<VerbatimProcess> {
  const [proxyPort, viewerPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [cli, 'start', '--data', dataDir, '--proxy-port', String(proxyPort), '--viewer-port', String(viewerPort),
    '--proxy-allow-targets', '127.0.0.1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const viewerUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Replay viewer:\s+(http:\/\/\S+?)\/?\s/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`verbatim start exited (${code}): ${err.slice(-2000)}`)));
  });
  return { viewerUrl, proxyUrl: `http://127.0.0.1:${proxyPort}`, stop: () => stop(child) };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

function run(args: string[], stdin: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`verbatim ${args[0]} ${args[1]} failed (${code}): ${err}`))));
    child.stdin!.end(`${stdin}\n`);
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
