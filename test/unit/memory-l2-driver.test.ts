/** The L2 driver contract on the in-memory driver: the same suite as Redis passes (test/contract/l2-driver-suite.ts). */
import { MemoryL2Driver } from '../../src/cache/index.js';
import { describeL2Driver } from '../contract/l2-driver-suite.js';

describeL2Driver('memory', async () => ({
  driver: new MemoryL2Driver({ now: () => 1_800_000_000_000 }),
  key: (name) => name,
  close: async () => undefined,
}));

// Simulated servers: batches count one round trip per server, as on a cluster.
describeL2Driver('memory, 3 simulated servers', async () => ({
  driver: new MemoryL2Driver({ now: () => 1_800_000_000_000, nodes: 3 }),
  key: (name) => name,
  close: async () => undefined,
}));
