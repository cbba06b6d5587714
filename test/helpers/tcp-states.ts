/**
 * What the kernel says about TCP sockets (Linux /proc/net/tcp{,6}): the drills
 * count sockets left in CLOSE-WAIT (the peer has closed, we never did) on a port.
 */
import { readFile } from 'node:fs/promises';

const STATES: Record<string, string> = {
  '01': 'ESTABLISHED', '02': 'SYN_SENT', '03': 'SYN_RECV', '04': 'FIN_WAIT1', '05': 'FIN_WAIT2', '06': 'TIME_WAIT',
  '07': 'CLOSE', '08': 'CLOSE_WAIT', '09': 'LAST_ACK', '0A': 'LISTEN', '0B': 'CLOSING',
};

export interface TcpSocketState { localPort: number; remotePort: number; state: string }

export async function tcpSockets(): Promise<TcpSocketState[]> {
  const out: TcpSocketState[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 4) continue;
      out.push({
        localPort: parseInt(cols[1].split(':')[1], 16),
        remotePort: parseInt(cols[2].split(':')[1], 16),
        state: STATES[cols[3]] ?? cols[3],
      });
    }
  }
  return out;
}

/** Sockets in `state` whose local port is `port` (a server's accepted connections). */
export async function countState(port: number, state: string): Promise<number> {
  return (await tcpSockets()).filter((s) => s.localPort === port && s.state === state).length;
}

/** Sockets whose local port is `port` in any state but LISTEN and TIME_WAIT (no file descriptor left behind those). */
export async function countOpen(port: number): Promise<number> {
  return (await tcpSockets()).filter((s) => s.localPort === port && s.state !== 'LISTEN' && s.state !== 'TIME_WAIT').length;
}
