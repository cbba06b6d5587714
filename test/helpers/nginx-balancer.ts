/**
 * nginx from Debian's packages as a round-robin load balancer on loopback, for the several-instances drills: the
 * config and every path nginx writes live in a temp dir, nginx runs as a child in the foreground (`daemon off`) and
 * the test stops it. `findNginx()` is undefined when nginx is not installed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface NginxBalancer {
  url: string;
  /** `upstream_addr status uri` of each request nginx answered (its access log). */
  accessLog(): Promise<string[]>;
  stop(): Promise<void>;
}

export async function findNginx(): Promise<string | undefined> {
  for (const p of ['/usr/sbin/nginx', '/usr/bin/nginx']) if (await access(p).then(() => true, () => false)) return p;
  return undefined;
}

/** A port free now on 127.0.0.1 (nginx cannot report one it chose itself). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export async function startNginxBalancer(bin: string, backends: number[]): Promise<NginxBalancer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'verbatim-nginx-'));
  await mkdir(path.join(dir, 'logs'));
  const port = await freePort();
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `${t}_temp_path ${dir}/${t};`).join(' ');
  const conf = `
${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 512; }
http {
  ${temp}
  log_format lb '$upstream_addr $status $request_uri';
  access_log ${dir}/logs/access.log lb;
  upstream verbatim {
    ${backends.map((p) => `server 127.0.0.1:${p} max_fails=1 fail_timeout=10s;`).join('\n    ')}
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${port};
    client_max_body_size 20m;
    location / {
      proxy_pass http://verbatim;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_buffering off;
      # A refused connection (an instance killed) goes to the next one; a request already sent is not resent.
      proxy_next_upstream error timeout;
      proxy_connect_timeout 2s;
    }
  }
}
`;
  const confPath = path.join(dir, 'nginx.conf');
  await writeFile(confPath, conf);
  const child: ChildProcess = spawn(bin, ['-p', dir, '-c', confPath, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (b: Buffer) => { err += b.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (const end = Date.now() + 10_000; ; await new Promise((r) => setTimeout(r, 50))) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${err}`);
    if (await new Promise<boolean>((resolve) => net.connect(port, '127.0.0.1').on('connect', function (this: net.Socket) { this.destroy(); resolve(true); }).on('error', () => resolve(false)))) break;
    if (Date.now() > end) throw new Error(`nginx did not listen on ${port}: ${err}`);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    accessLog: async () => (await readFile(path.join(dir, 'logs', 'access.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGQUIT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
