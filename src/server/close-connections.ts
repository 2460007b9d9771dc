// Closing HTTP connections at shutdown without waiting out keep-alive. Node's
// server.closeIdleConnections() (fastify's forceCloseConnections: 'idle') skips a socket that has
// not sent its first request yet — Node counts it as a request in progress so headersTimeout can
// apply — and a client that aborts a long-poll typically leaves one: its HTTP agent opens a fresh
// connection for the next request (the DELETE) or speculatively. server.close() then waits for
// headersTimeout/keep-alive (~70 s) on that socket. This tracks requests per socket so close can
// end every socket that has nothing in flight now, and each busy one as soon as its response is out.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { defaultTimers, unrefTimer } from '../core/timers';
import type { TimerApi } from '../core/types';

export interface ConnectionCloser {
  /**
   * Ends idle sockets (including ones that never sent a request) now and busy ones when their
   * response has gone out; after `forceAfterMs` any socket still open is destroyed.
   */
  closeAll(forceAfterMs: number): void;
  /** Clears the force timer (after the server has closed). */
  dispose(): void;
}

export function trackConnections(server: Server, timers: TimerApi = defaultTimers): ConnectionCloser {
  const inFlight = new Map<Socket, number>();
  let closing = false;
  let force: unknown;

  // destroySoon: ends the socket once whatever the response wrote is flushed, then destroys it.
  const endIfIdle = (socket: Socket) => {
    if (closing && (inFlight.get(socket) ?? 0) === 0) socket.destroySoon();
  };

  server.on('connection', (socket: Socket) => {
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
    if (closing) endIfIdle(socket);
  });
  server.on('request', (req, res) => {
    const socket = req.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    res.once('close', () => {
      if (!inFlight.has(socket)) return;
      inFlight.set(socket, Math.max(0, (inFlight.get(socket) ?? 1) - 1));
      endIfIdle(socket);
    });
  });

  return {
    closeAll(forceAfterMs) {
      closing = true;
      for (const socket of inFlight.keys()) endIfIdle(socket);
      force = timers.setTimeout(() => {
        for (const socket of inFlight.keys()) socket.destroy();
      }, forceAfterMs);
      unrefTimer(force); // a grace, not a reason to keep the process alive
    },
    dispose() {
      if (force !== undefined) timers.clearTimeout(force);
    },
  };
}
