/**
 * PostgreSQL stalls (every packet held by a proxy, connections kept open):
 * values past their expiry but within @cacheable(maxStale) are served with
 * no error and marked; keys never read fail fast with DATABASE_UNAVAILABLE
 * (bounded by the connect and statement timeouts); writes made meanwhile by
 * psql reach the cache once the stall ends; the API recovers without restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PG_ADMIN_URL } from '../helpers/env.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import {
  checkConsistency,
  type FaultWorld,
  openWorld,
  PRODUCT_IDS,
  READ,
  sleep,
  startLoad,
  warm,
  writeDuring,
} from './fault-world.js';

let world: FaultWorld | undefined;
let proxy: TcpProxy | undefined;
afterEach(async () => {
  proxy?.release();
  await world?.close();
  await proxy?.close();
  world = proxy = undefined;
});

describe('PostgreSQL stalled', () => {
  it(
    'serves expired values within maxStale, fails fast on the rest, and recovers',
    { timeout: 90_000 },
    async () => {
      const pg = new URL(PG_ADMIN_URL);
      const p = (proxy = await startTcpProxy(pg.hostname, Number(pg.port || 5432)));
      let offsetMs = 0;
      world = await openWorld({
        databaseUrl: (url) => p.via(url),
        env: { DATABASE_CONNECT_TIMEOUT_MS: '1000', DATABASE_STATEMENT_TIMEOUT_MS: '500' },
        now: () => Date.now() + offsetMs,
      });
      const [a] = world.instances;
      const LIST = '{ products(first: 5) { totalCount edges { node { id version } } } }';
      await warm(world);
      await a!.query(LIST);
      // Every cached product is now past its TTL and grace, within maxStale (1 h).
      offsetMs = 400_000;

      p.hold();
      const load = startLoad(world);
      const cold: Array<{ code: unknown; ms: number }> = [];
      for (const id of [41, 42, 43]) {
        const start = Date.now();
        const res = await a!.query(READ, { id: String(id) });
        cold.push({ code: res.body.errors?.[0]?.extensions?.code, ms: Date.now() - start });
      }
      const marked = await a!.query(READ, { id: '3' });
      const list = await a!.query<{ products: { edges: unknown[] } }>(LIST);
      await writeDuring(world, 2000, 0, 5);
      const during = load.window();
      p.release();
      await sleep(1000);
      await load.stop();

      const recovered = await a!.query<{ product: { id: string } }>(READ, { id: '44' });
      const consistency = await checkConsistency(world);
      console.log(`fault postgres-stall: ${JSON.stringify({ during, cold, consistency })}`);

      expect(during.requests).toBeGreaterThan(20);
      expect(during.errors).toBe(0);
      expect((marked.body.extensions!.stats as { staleServed: number }).staleServed).toBe(1);
      // A list (a cached collection and its members) is served the same way.
      expect(list.body.errors).toBeUndefined();
      expect(list.body.data!.products.edges).toHaveLength(5);
      expect((list.body.extensions!.stats as { staleServed: number }).staleServed).toBeGreaterThan(
        0,
      );
      for (const c of cold) {
        expect(c.code).toBe('DATABASE_UNAVAILABLE');
        // Bounded by the pool wait (1 s) plus the statement timeout (500 ms + 250 ms), not by the stall.
        expect(c.ms).toBeLessThan(3000);
      }
      expect(recovered.body.data?.product.id).toBe('44');
      expect(consistency.errors).toBe(0);
      expect(consistency.stale).toBe(0);
      expect(PRODUCT_IDS.length).toBeGreaterThan(0);
    },
  );
});
