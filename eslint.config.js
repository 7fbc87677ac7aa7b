// Lint configuration: typescript-eslint's recommended rules over our sources,
// and the layering of src/ (README, "Architecture") as import boundaries.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
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
 * Folders with a front door: code outside them imports only their index.ts
 * (the cache's public surface, src/cache/index.ts).
 */
const FRONT_DOORS = ['cache'];

/** Outside `folder`, an import of anything in it but its index.ts. */
const pastFrontDoor = (folder, prefix) => ({
  regex: `^${prefix}${folder}/(?!index\\.js$)`,
  message: `import src/${folder} through its front door, src/${folder}/index.ts (README, "Architecture").`,
});

/**
 * One `no-restricted-imports` block per folder. Imports inside src/ are
 * relative, so a specifier climbing out (`../`, `../../`) into a folder of
 * a higher or peer layer is refused; this relies on the layer names being
 * unique folder names under src/ (a nested `src/graphql/generated` is below
 * graphql either way). Scripts may import src/ (through front doors) but
 * never test/: tests may import scripts/bench, not the other way round.
 */
function layerBoundaries() {
  const layers = LAYERS.flatMap((group, rank) =>
    group.map((layer) => {
      const forbidden = [
        ...group.filter((peer) => peer !== layer),
        ...LAYERS.slice(rank + 1).flat(),
      ];
      return {
        files: [`src/${layer}/**/*.ts`],
        rules: {
          'no-restricted-imports': [
            'error',
            {
              patterns: [
                ...forbidden.map((target) => ({
                  regex: `^(\\.\\./)+${target}(/|$)`,
                  message: `src/${layer} may not import src/${target}: dependencies point down the layers (README, "Architecture").`,
                })),
                ...FRONT_DOORS.filter((door) => door !== layer).map((door) =>
                  pastFrontDoor(door, '(\\.\\./)+'),
                ),
              ],
            },
          ],
        },
      };
    }),
  );
  const scripts = {
    files: ['scripts/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+test/',
              message:
                'scripts/ may not import test/ (tests may import scripts/bench, not the reverse).',
            },
            ...FRONT_DOORS.map((door) => pastFrontDoor(door, '(\\.\\./)+src/')),
          ],
        },
      ],
    },
  };
  return [...layers, scripts];
}

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'web/dist/',
      'src/generated/',
      'src/graphql/generated/',
      'client/generated/',
      '.data/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Read configuration through src/config only.',
        },
      ],
    },
  },
  {
    files: [
      'src/config/**',
      'scripts/**',
      'test/**',
      'prisma/**',
      'prisma.config.ts',
      'vitest.config.ts',
      'web/vite.config.ts',
    ],
    rules: { 'no-restricted-syntax': 'off' },
  },
  ...layerBoundaries(),
  // Formatting is Prettier's (npm run format); no lint rule argues with it.
  prettier,
);
