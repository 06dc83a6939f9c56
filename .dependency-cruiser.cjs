// Layering of ARCHITECTURE.md, checked on real imports (sources, tests and benches alike).
const allowed = require('./tooling/scripts/layers.cjs');
const layers = Object.keys(allowed);

const layerRules = layers.map((from) => {
  const forbidden = layers.filter((to) => to !== from && !allowed[from].includes(to));
  return {
    name: `layer-${from}`,
    comment: `@elara/${from} may import only ${allowed[from].map((d) => '@elara/' + d).join(', ') || 'nothing of Elara'}`,
    severity: 'error',
    from: { path: `^packages/${from}/` },
    to: { path: forbidden.length ? `^packages/(${forbidden.join('|')})/` : '^$' },
  };
});

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-deep-imports',
      comment:
        'Another package is reached only through its exports (its src/index.ts or a declared subpath)',
      severity: 'error',
      from: { path: '^(packages|apps)/([^/]+)/' },
      to: {
        path: '^packages/([^/]+)/src/',
        pathNot: [
          '^packages/$2/src/',
          '^packages/[^/]+/src/index\\.ts$',
          '^packages/core/src/sim/index\\.ts$',
          '^packages/time/src/rx/index\\.ts$',
          '^packages/net/src/testing/index\\.ts$',
          '^packages/crypto/src/portable/index\\.ts$',
        ],
      },
    },
    {
      name: 'not-to-unresolvable',
      comment:
        'Every import resolves (an undeclared @elara package would otherwise slip past the layer rules)',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'testkit-only-core',
      comment:
        'testkit builds on @elara/core alone, so lower layers cannot reach upper ones through it',
      severity: 'error',
      from: { path: '^tooling/testkit/' },
      to: { path: '^packages/(?!core/)' },
    },
    {
      name: 'tooling-public-core-only',
      comment: 'tooling reaches packages only through their exports',
      severity: 'error',
      from: { path: '^tooling/' },
      to: {
        path: '^packages/[^/]+/src/',
        pathNot: ['^packages/[^/]+/src/index\\.ts$', '^packages/core/src/sim/index\\.ts$'],
      },
    },
    {
      name: 'packages-not-apps',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^apps/' },
    },
    {
      name: 'sources-not-tooling',
      comment: 'Published sources never depend on private tooling (tests and benches may)',
      severity: 'error',
      from: { path: '^packages/[^/]+/src/' },
      to: { path: '^tooling/' },
    },
    {
      name: 'core-no-testkit',
      comment: "Core's tests use its sim subpath directly, never testkit (which depends on core)",
      severity: 'error',
      from: { path: '^packages/core/' },
      to: { path: '^tooling/testkit/' },
    },
    {
      name: 'sync-layers-no-rxjs',
      comment: "core, crypto, state and time's main entry stay synchronous and RxJS-free",
      severity: 'error',
      from: { path: '^packages/(core|crypto|state)/src/|^packages/time/src/(?!rx/)' },
      to: { path: 'node_modules/rxjs/' },
    },
    {
      name: 'portable-core-no-node',
      comment: 'core sources run in browsers too',
      severity: 'error',
      from: { path: '^packages/core/src/' },
      to: { dependencyTypes: ['core'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|node_modules)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      conditionNames: ['@elara/source', 'types', 'import', 'node', 'default'],
      exportsFields: ['exports'],
      mainFields: ['module', 'main', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.d.ts', '.json'],
    },
  },
};
