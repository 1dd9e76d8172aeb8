import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Two cores: integration tests start brokers and agents; keep parallelism modest.
    maxWorkers: 2,
    // @ldclabs/cose-ts (interop dev-dependency) ships ESM with extensionless relative imports
    // that Node cannot resolve; letting vite transform it resolves them.
    server: { deps: { inline: ['@ldclabs/cose-ts'] } },
  },
});
