/**
 * Starting and stopping the proxy's listening servers (forward proxy and gateway)
 * the same way: every socket is tracked, because tunnels and upgraded WebSockets
 * are not closed by closeAllConnections(), and the exchange context is wound down
 * (agents, HTTP/2 sessions, captures still being written).
 */
import type http from 'node:http';
import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { ExchangeContext } from './exchange';

export interface Listening {
  port: number;
  /** host:port as a URL authority (IPv6 in brackets). */
  authority: string;
  close(): Promise<void>;
}

export async function listenTracked(server: http.Server, host: string, port: number, context: ExchangeContext): Promise<Listening> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => { server.off('error', reject); resolve(); });
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    port: bound,
    authority: `${host.includes(':') ? `[${host}]` : host}:${bound}`,
    async close() {
      await new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      context.agents.http.destroy();
      context.agents.https.destroy();
      context.http2?.close();
      await context.endpoint.idle();
      await (context.ownsIngest ? context.ingest.close() : context.ingest.drain());
    },
  };
}
