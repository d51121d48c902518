import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // integration tests start real local servers (s3rver, webhook sinks); give them room on 2 cores
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // handlers log through Powertools; keep test output readable
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT' },
  },
});
