/** Two projects: `unit` (pure code, no server) and `integration` (real Kratos / real Pulumi CLI). */
const common = {
  preset: "ts-jest",
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
};
module.exports = {
  testTimeout: 240000,
  // Several test files at a time: the integration suites mostly wait on child processes (Kratos, the CLI, Pulumi).
  // On 2 cores the whole run took ~1,100 s serially, ~690 s with 2 workers (CPU 77 % busy), ~650 s with 3 (83 %).
  maxWorkers: 3,
  projects: [
    { ...common, displayName: "unit", testMatch: ["<rootDir>/test/unit/**/*.test.ts"] },
    {
      ...common,
      displayName: "integration",
      testMatch: ["<rootDir>/test/integration/**/*.test.ts"],
      globalSetup: "<rootDir>/test/support/global-setup.ts",
      globalTeardown: "<rootDir>/test/support/global-teardown.ts",
      setupFilesAfterEnv: ["<rootDir>/test/support/integration-timeout.ts"],
    },
  ],
};
