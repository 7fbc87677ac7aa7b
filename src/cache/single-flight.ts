/**
 * Per-instance single flight: concurrent loads of the same key, from any
 * request, share one promise, so a hot key is loaded once per instance.
 */
export class SingleFlight<V> {
  private readonly inFlight = new Map<string, Promise<V>>();

  /**
   * Returns the in-flight promise for each key that has one, and starts
   * `load` once for all the others; `load` must return one value per key,
   * in order.
   */
  run(keys: readonly string[], load: (keys: string[]) => Promise<V[]>): Promise<V>[] {
    const toLoad = [...new Set(keys.filter((key) => !this.inFlight.has(key)))];
    const result = keys.map((key) => this.inFlight.get(key));
    if (toLoad.length > 0) {
      const batch = load(toLoad);
      toLoad.forEach((key, i) => {
        const promise = batch.then((values) => values[i] as V);
        this.inFlight.set(key, promise);
        const clear = () => {
          if (this.inFlight.get(key) === promise) this.inFlight.delete(key);
        };
        promise.then(clear, clear);
      });
    }
    return keys.map((key, i) => result[i] ?? (this.inFlight.get(key) as Promise<V>));
  }

  get size(): number {
    return this.inFlight.size;
  }
}
