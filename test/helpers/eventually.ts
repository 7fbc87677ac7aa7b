/**
 * Retries an assertion until it passes or `attempts` × `intervalMs` have
 * passed, then throws its last failure: for effects that arrive within a
 * delivery time (another instance's invalidation, the change feed).
 */
export async function eventually(check: () => Promise<void> | void, options: { attempts?: number; intervalMs?: number } = {}): Promise<void> {
  const { attempts = 100, intervalMs = 20 } = options;
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await check();
    } catch (error) {
      lastError = error;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
  throw lastError;
}
