/**
 * Architecture rules, checked in the test run (test/architecture.test.ts) and by `npm run arch`.
 * Imports point inward: transports, stores, policies and the presets depend on the kernel; the
 * kernel depends on none of them and on no Node built-in, so it runs in browsers.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'kernel-no-node-builtins',
      comment: 'The kernel runs in browsers: it must not import a Node built-in.',
      severity: 'error',
      from: { path: '^src/kernel/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'kernel-imports-inward-only',
      comment: 'The kernel depends on no policy, store, transport or preset.',
      severity: 'error',
      from: { path: '^src/kernel/' },
      to: { path: '^src/(?!kernel/)' },
    },
    {
      name: 'policies-depend-on-kernel-only',
      comment: 'Policies are pure planners over the kernel model: no stores, transports or presets.',
      severity: 'error',
      from: { path: '^src/policies/' },
      to: { path: '^src/(stores|transports|node|browser|react|http|cli)/' },
    },
    {
      name: 'stores-not-to-transports-or-presets',
      comment: 'Stores implement kernel ports; they do not reach out to transports or presets.',
      severity: 'error',
      from: { path: '^src/stores/' },
      to: { path: '^src/(transports|node|browser|react|http|cli)/' },
    },
    {
      name: 'transports-not-to-stores',
      comment: 'Transports consume the event stream; they do not know which store is behind it.',
      severity: 'error',
      from: { path: '^src/transports/' },
      to: { path: '^src/stores/' },
    },
    {
      name: 'browser-code-no-node-builtins',
      comment: 'What ships to browsers must not import a Node built-in.',
      severity: 'error',
      from: { path: '^src/(browser|react|stores/indexeddb|stores/memory|transports/broadcast|policies)/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
