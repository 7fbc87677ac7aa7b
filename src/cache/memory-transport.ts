/**
 * An in-process invalidation transport: every transport taken from one hub
 * receives what the others publish, one microtask later, as
 * Redis pub/sub would deliver it. For tests (no services) and a single
 * process; `drop` and `reconnect` let tests lose messages on purpose.
 */
import type { InvalidationTransport } from './contracts.js';

interface Member {
  onMessage: (message: string) => void;
  onReconnect: () => void;
}

export class MemoryHub {
  private readonly members = new Set<Member>();
  private dropping = 0;

  /** A transport connected to this hub. */
  transport(): InvalidationTransport {
    let member: Member | undefined;
    return {
      publish: async (message) => {
        if (this.dropping > 0) {
          this.dropping--;
          return true;
        }
        await Promise.resolve();
        for (const m of this.members) if (m !== member) m.onMessage(message);
        return true;
      },
      subscribe: (onMessage, onReconnect) => {
        member = { onMessage, onReconnect };
        this.members.add(member);
      },
      close: () => {
        if (member) this.members.delete(member);
      },
    };
  }

  /** Silently loses the next `count` published messages (as a lost pub/sub message would be). */
  drop(count = 1): void {
    this.dropping += count;
  }

  /** Every subscriber reconnects (as after a connection loss). */
  reconnect(): void {
    for (const m of this.members) m.onReconnect();
  }
}
