/** Two projects: `unit` (pure code, no server) and `integration` (real Kratos / real Pulumi CLI). */
const common = {
  preset: "ts-jest",
  testEnvironment: "node",
  transform: { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] },
};
module.exports = {
  testTimeout: 240000,
  // Two test files at a time: the integration suites mostly wait on child processes (Kratos, the CLI, Pulumi), so a
  // serial run keeps a 2-core machine about 80 % idle (load average 1.6 through a whole serial run).
  maxWorkers: 2,
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
