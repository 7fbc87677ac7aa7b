/**
 * Retries an assertion until it passes or `attempts` × `intervalMs` have
 * passed, then throws its last failure: for effects that arrive within a
 * delivery time (another instance's invalidation, the change feed).
 */
export async function eventually(
  check: () => Promise<void> | void,
  options: { attempts?: number; intervalMs?: number } = {},
): Promise<void> {
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

/**
 * Polls `condition` until it holds or `attempts` × `intervalMs` have passed;
 * resolves to whether it held (callers that need it assert on the result).
 * The one wait loop of the test suite, for states rather than assertions
 * (a connection ready, a breaker closed).
 */
export async function waitFor(
  condition: () => boolean,
  options: { attempts?: number; intervalMs?: number } = {},
): Promise<boolean> {
  const { attempts = 100, intervalMs = 10 } = options;
  for (let i = 0; i < attempts; i++) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return condition();
}
