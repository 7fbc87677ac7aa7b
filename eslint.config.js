// Lint configuration: typescript-eslint's recommended rules over our sources,
// and the layering of src/ (README, "Architecture") as import boundaries.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The folders of src/, lowest first. A folder may import the folders of
 * lower groups, never those of its own group (peers stay independent) or of
 * a higher one; so nothing imports server, and the cache (below `model`)
 * cannot name a catalog model. `generated` is the Prisma client.
 */
export const LAYERS = [
  ['errors'],
  ['config'],
  ['observability'],
  ['redis'],
  ['cache', 'ratelimit'],
  ['auth'],
  ['generated'],
  ['model'],
  ['db'],
  ['loaders'],
  ['graphql'],
  ['server'],
];

/**
 * One `no-restricted-imports` block per folder. Imports inside src/ are
 * relative, so a specifier climbing out (`../`, `../../`) into a folder of
 * a higher or peer layer is refused; this relies on the layer names being
 * unique folder names under src/ (a nested `src/graphql/generated` is below
 * graphql either way).
 */
function layerBoundaries() {
  return LAYERS.flatMap((group, rank) =>
    group.map((layer) => {
      const forbidden = [...group.filter((peer) => peer !== layer), ...LAYERS.slice(rank + 1).flat()];
      return {
        files: [`src/${layer}/**/*.ts`],
        rules: {
          'no-restricted-imports': [
            'error',
            {
              patterns: forbidden.map((target) => ({
                regex: `^(\\.\\./)+${target}(/|$)`,
                message: `src/${layer} may not import src/${target}: dependencies point down the layers (README, "Architecture").`,
              })),
            },
          ],
        },
      };
    }),
  );
}

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'web/dist/', 'src/generated/', 'src/graphql/generated/', 'client/generated/', '.data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='process'][property.name='env']", message: 'Read configuration through src/config only.' },
      ],
    },
  },
  {
    files: ['src/config/**', 'scripts/**', 'test/**', 'prisma/**', 'prisma.config.ts', 'vitest.config.ts', 'web/vite.config.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  ...layerBoundaries(),
);
