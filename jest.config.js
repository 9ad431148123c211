/** ts-jest in isolatedModules mode (each file transpiled alone, fast): type-checking is `npm run typecheck`'s job. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    // jose ships ESM only: see the transform for why it is not ts-jest.
    "/node_modules/jose/.+\\.js$": "<rootDir>/test/support/vendor-esm-transform.js",
    "^.+\\.[tj]s$": ["ts-jest", { tsconfig: "tsconfig.test.json" }],
  },
  // Everything under node_modules runs as shipped, but jose (ESM only), which the transform above turns into CommonJS.
  transformIgnorePatterns: ["/node_modules/(?!(jose)/)"],
  setupFiles: ["reflect-metadata"],
  testTimeout: 30000,
};
