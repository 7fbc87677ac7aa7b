/**
 * Draining: how the HTTP server stops without dropping a request.
 *
 * 1. `draining` turns on: /readyz answers 503 so the load balancer moves on,
 *    and every response from now on (and every one in flight whose headers
 *    are not sent yet) carries `Connection: close`, so keep-alive clients
 *    reconnect elsewhere instead of finding their socket cut.
 * 2. The listener closes (no new connections) and idle keep-alive sockets
 *    are closed; busy ones close as their response ends.
 * 3. When every connection is gone, or after `timeoutMs`, the rest are cut.
 */
import type { Server, ServerResponse } from 'node:http';

export class Lifecycle {
  private isDraining = false;
  private readonly inFlight = new Set<ServerResponse>();

  get draining(): boolean {
    return this.isDraining;
  }

  /** Tracks a response until `done`, so draining can mark it `Connection: close`. */
  track(res: ServerResponse): void {
    if (this.isDraining) res.setHeader('connection', 'close');
    this.inFlight.add(res);
  }

  /** The response closed (finished, or abandoned by the client). */
  done(res: ServerResponse): void {
    this.inFlight.delete(res);
  }

  /** Requests still being answered. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  beginDrain(): void {
    this.isDraining = true;
    for (const res of this.inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
  }
}

/**
 * Drains `server` (see above). Resolves true when every request finished in
 * time, false when connections had to be cut after `timeoutMs`.
 */
export async function drainHttpServer(
  server: Server,
  lifecycle: Lifecycle,
  timeoutMs: number,
): Promise<boolean> {
  lifecycle.beginDrain();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  // A response that ends leaves its socket idle for a moment before Node
  // closes it (Connection: close); sweep idle sockets until all are gone.
  const sweep = setInterval(() => server.closeIdleConnections(), 50);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>(
    (resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)),
  );
  try {
    if ((await Promise.race([closed, timedOut])) !== 'timeout') return true;
    server.closeAllConnections();
    await closed;
    return false;
  } finally {
    clearInterval(sweep);
    clearTimeout(timer);
  }
}
