/**
 * A loopback TCP proxy for fault injection: `hold()` stops forwarding bytes
 * in both directions (connections stay open, as in a network stall or a
 * stalled server), `release()` delivers what was held and resumes, and
 * `cut()` drops every connection.
 */
import net from 'node:net';

export interface TcpProxy {
  port: number;
  /** `url` with its host and port replaced by the proxy's. */
  via(url: string): string;
  hold(): void;
  release(): void;
  cut(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  let held = false;
  const pairs = new Set<{ flush(): void; destroy(): void }>();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, targetHost);
    const queued: Array<[net.Socket, Buffer]> = [];
    const forward = (to: net.Socket) => (chunk: Buffer) => {
      if (held) queued.push([to, chunk]);
      else to.write(chunk);
    };
    client.on('data', forward(upstream));
    upstream.on('data', forward(client));
    const pair = {
      flush: () => {
        for (const [to, chunk] of queued.splice(0)) if (!to.destroyed) to.write(chunk);
      },
      destroy: () => {
        client.destroy();
        upstream.destroy();
      },
    };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      pair.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    via: (url) => {
      const u = new URL(url);
      u.host = `127.0.0.1:${port}`;
      return u.toString();
    },
    hold: () => {
      held = true;
    },
    release: () => {
      held = false;
      for (const pair of pairs) pair.flush();
    },
    cut: () => {
      for (const pair of [...pairs]) pair.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const pair of [...pairs]) pair.destroy();
        server.close(() => resolve());
      }),
  };
}
