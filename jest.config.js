/** ts-jest in isolatedModules mode (each file transpiled alone, fast): type-checking is `npm run typecheck`'s job. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.[tj]s$": ["ts-jest", { tsconfig: "tsconfig.test.json" }],
  },
  // jose 6 ships ESM only; let ts-jest turn it into CommonJS.
  transformIgnorePatterns: ["/node_modules/(?!(jose)/)"],
  setupFiles: ["reflect-metadata"],
  testTimeout: 30000,
};
