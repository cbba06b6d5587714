/** Benchmark processes (proxy-process.ts, bare-proxy.ts) run apart from the load generator. */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** Forks scripts/bench/<file> and resolves with the process and the first line it prints (its port or a JSON line). */
export async function forkBenchProcess(file: string, args: string[], execArgv: string[] = [], env?: NodeJS.ProcessEnv): Promise<{ proc: ChildProcess; line: string }> {
  const proc = fork(path.join(here, file), args, { execArgv: ['--import', 'tsx', ...execArgv], stdio: ['ignore', 'pipe', 'inherit', 'ipc'], ...(env ? { env: { ...process.env, ...env } } : {}) });
  const line = await new Promise<string>((resolve, reject) => {
    proc.stdout!.once('data', (d) => resolve(String(d).trim()));
    proc.once('exit', (code) => reject(new Error(`${file} exited (${code}) before it was ready`)));
  });
  return { proc, line };
}
