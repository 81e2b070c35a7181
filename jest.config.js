/** Tests run TypeScript through SWC (fast, keeps decorator metadata); `npm run typecheck` does the strict type check. */
const swcTs = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
};

// Packages that ship only ES modules. Jest's CommonJS runtime cannot require them on Node 20
// (Node itself can, so `tsx` runs them as they are), so jest compiles these — and only these —
// to CommonJS with SWC. jose 6 is the ESM build under dist/webapi; jose 5 (livekit) is CJS.
const esmOnly = ['openid-client', 'oauth4webapi', 'oidc-provider', 'jose'];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', swcTs],
    '/node_modules/(openid-client|oauth4webapi|oidc-provider)/.+\\.js$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
    '/node_modules/jose/dist/webapi/.+\\.js$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' }, module: { type: 'commonjs' } },
    ],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  testTimeout: 30000,
  maxWorkers: 2,
};
