/**
 * Joins two sockets into one relay (a blind CONNECT tunnel, a WebSocket): bytes
 * flow both ways, and neither socket outlives the relay. A peer's FIN is passed
 * on as ours; once one side is gone the other is ended and, if it does not
 * close by itself, destroyed shortly after; when nothing moves either way for
 * `idleMs` both are destroyed. So no socket stays half-open in CLOSE-WAIT.
 */
import type { Duplex } from 'node:stream';

/** Time a side may take to flush and close after the other side has gone. */
const LINGER_MS = 2000;
/** Once one side has sent its FIN, silence of this long (or the idle time, if shorter) ends the relay. */
const HALF_OPEN_IDLE_MS = 30_000;

export interface SocketPairOptions {
  idleMs: number;
  /** Called once, when both sockets are closed. */
  onClose?: () => void;
}

export function joinSockets(a: Duplex, b: Duplex, options: SocketPairOptions): void {
  let lastActivity = Date.now();
  let limit = options.idleMs;
  const touch = () => { lastActivity = Date.now(); };
  a.on('data', touch);
  b.on('data', touch);
  const halfOpen = () => {
    limit = Math.min(options.idleMs, HALF_OPEN_IDLE_MS);
    clearTimeout(idle);
    check();
  };
  a.once('end', halfOpen);
  b.once('end', halfOpen);
  // One timer for the pair: activity on either side (e.g. a server pushing to a silent browser) keeps both.
  const check = (): void => {
    const left = lastActivity + limit - Date.now();
    if (left > 0) {
      idle = setTimeout(check, left);
      idle.unref();
      return;
    }
    a.destroy();
    b.destroy();
  };
  let idle = setTimeout(check, options.idleMs);
  idle.unref();

  let closed = 0;
  const onClosed = (other: Duplex) => () => {
    if (++closed === 2) {
      clearTimeout(idle);
      options.onClose?.();
      return;
    }
    // The other side can no longer send anywhere: let it flush what it has, then go.
    if (!other.destroyed) {
      other.end();
      setTimeout(() => other.destroy(), LINGER_MS).unref();
    }
  };
  a.once('close', onClosed(b));
  b.once('close', onClosed(a));
  a.on('error', () => a.destroy());
  b.on('error', () => b.destroy());
  a.pipe(b);
  b.pipe(a);
}
