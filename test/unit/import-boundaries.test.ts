/**
 * The layering of src/ (README, "Architecture") is enforced by `npm run
 * lint`: ESLint's own Node API runs the project's configuration over
 * snippets placed, virtually, in a folder of src/. No services needed.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const eslint = new ESLint({ cwd: root });

/** The import-boundary errors ESLint reports for `code` as if it were the file `file`. */
async function boundaryErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

// Loading the configuration and typescript-eslint's parser takes seconds on a
// busy machine: once, here, not inside the first test's time limit.
beforeAll(
  () => eslint.lintText('', { filePath: path.join(root, 'src/cache/warm-up.ts') }),
  120_000,
);

describe('the import-boundary lint rule', { timeout: 30_000 }, () => {
  it('fails an upward import: the cache importing the server', async () => {
    const errors = await boundaryErrors(
      'src/cache/upward.ts',
      "import { createApp } from '../server/app.js';\nexport const app = createApp;\n",
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(
      'src/cache may not import src/server: dependencies point down the layers',
    );
  });

  it('fails the cache naming a catalog model, a peer import, and an upward import from a nested folder', async () => {
    expect(
      await boundaryErrors(
        'src/cache/x.ts',
        "import type { ModelName } from '../model/registry.js';\nexport type M = ModelName;\n",
      ),
    ).toHaveLength(1);
    expect(
      await boundaryErrors(
        'src/cache/x.ts',
        "import { RateLimiter } from '../ratelimit/rate-limiter.js';\nexport const r = RateLimiter;\n",
      ),
    ).toHaveLength(1);
    expect(
      await boundaryErrors(
        'src/db/extensions/x.ts',
        "import type { Loaders } from '../../loaders/index.js';\nexport type L = Loaders;\n",
      ),
    ).toHaveLength(1);
    expect(
      await boundaryErrors(
        'src/loaders/x.ts',
        "import { resolvers } from '../graphql/resolvers/index.js';\nexport const r = resolvers;\n",
      ),
    ).toHaveLength(1);
  });

  it('fails an import past the front door of src/cache, and a script importing a test', async () => {
    expect(
      await boundaryErrors(
        'src/db/x.ts',
        "import type { CollectionId } from '../cache/keys.js';\nexport type C = CollectionId;\n",
      ),
    ).toEqual([
      expect.stringContaining('import src/cache through its front door, src/cache/index.ts'),
    ]);
    expect(
      await boundaryErrors(
        'scripts/bench/x.ts',
        "import { CacheKeys } from '../../src/cache/keys.js';\nexport const k = CacheKeys;\n",
      ),
    ).toHaveLength(1);
    expect(
      await boundaryErrors(
        'scripts/x.ts',
        "import { waitFor } from '../test/helpers/eventually.js';\nexport const w = waitFor;\n",
      ),
    ).toEqual([expect.stringContaining('scripts/ may not import test/')]);
    // Inside the cache, its own modules are free to import each other.
    expect(
      await boundaryErrors(
        'src/cache/x.ts',
        "import { CacheKeys } from './keys.js';\nexport const k = CacheKeys;\n",
      ),
    ).toEqual([]);
  });

  it('lets imports point down the layers', async () => {
    expect(
      await boundaryErrors(
        'src/db/x.ts',
        "import type { CollectionId } from '../cache/index.js';\nexport type C = CollectionId;\n",
      ),
    ).toEqual([]);
    expect(
      await boundaryErrors(
        'scripts/x.ts',
        "import { CacheKeys } from '../src/cache/index.js';\nexport const k = CacheKeys;\n",
      ),
    ).toEqual([]);
    expect(
      await boundaryErrors(
        'src/graphql/resolvers/x.ts',
        "import type { Resolvers } from '../generated/resolvers-types.js';\nimport { MODELS } from '../../model/registry.js';\nexport const m: Resolvers | typeof MODELS = MODELS;\n",
      ),
    ).toEqual([]);
    expect(
      await boundaryErrors(
        'src/server/x.ts',
        "import { buildSchema } from '../graphql/schema.js';\nexport const b = buildSchema;\n",
      ),
    ).toEqual([]);
  });

  it('covers every folder of src/, so a new one cannot escape the layering', async () => {
    const folders = readdirSync(path.join(root, 'src'), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    for (const folder of folders) {
      const file = path.join(root, 'src', folder, 'x.ts');
      // Generated code (src/generated) is not linted; it imports nothing of ours.
      if (await eslint.isPathIgnored(file)) continue;
      const config = (await eslint.calculateConfigForFile(file)) as {
        rules?: Record<string, unknown>;
      };
      expect(
        config.rules?.['no-restricted-imports'],
        `src/${folder} has no place in eslint.config.js's LAYERS`,
      ).toBeDefined();
    }
  });
});
