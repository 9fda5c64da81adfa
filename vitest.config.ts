import { defineConfig } from 'vitest/config'

/**
 * PostgreSQL the suite's second run uses: `.ci/run` makes sure the server is up and points
 * this at a database it created for the run; on a developer machine the local default.
 */
const TEST_DATABASE_URL = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export default defineConfig({
  test: {
    exclude: ['**/node_modules/**', '**/dist/**'],
    // Each test file boots its own app on its own store; files run in parallel processes.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'sqlite',
          // The projects run one after the other: on two cores, both at once would double the
          // load under the tests that measure rates and timing.
          sequence: { groupOrder: 0 },
          include: ['{backend,apps-script,gmail-addon,sheets-plugin,outlook-addin,build}/**/*.test.ts'],
          exclude: ['**/node_modules/**', 'backend/test/cluster/**'],
          // The embedded default, even when the shell (as `.ci/run` does) exports a PostgreSQL URL.
          env: { TEST_DATABASE_URL: '' },
        },
      },
      {
        // Every backend test that opens a store, again on PostgreSQL: each test gets its own
        // database copied from a migrated template (backend/test/postgres.ts). Tests that
        // never open a store (pure logic, the sandbox, the Cloud API client) run once above.
        extends: true,
        test: {
          name: 'postgres',
          sequence: { groupOrder: 1 },
          include: ['backend/src/**/*.test.ts'],
          exclude: [
            '**/node_modules/**',
            'backend/src/whatsapp/sandbox/**',
            'backend/src/whatsapp/cloud-api/**',
            'backend/src/**/{normalise,money,errors,message-status,template-variables,envelope,config,secret-box,recipient-status,schedule,store-faults}.test.ts',
            // Outbound webhooks' pure rules (signing, retry schedule, address checks).
            'backend/src/{events/signing,events/retry-schedule,privacy/outbound-addresses}.test.ts',
            // The OpenAPI document and its generated client do not depend on the store.
            'backend/src/openapi/**',
            // Runs the README's commands, which start the embedded SQLite default.
            'backend/src/readme.test.ts',
            // The README's integration examples: about the README, not the store.
            'backend/src/readme-integrations.test.ts',
            // SQLite's own file on a disk that fills up.
            'backend/src/store/disk-full.test.ts',
          ],
          env: { TEST_DATABASE_URL },
          globalSetup: ['backend/test/global-setup.ts'],
        },
      },
      {
        // Several API and worker processes on one PostgreSQL database, and PostgreSQL itself
        // restarted: last, one file at a time, with nothing else running, because they
        // measure a combined send rate and one of them restarts the server.
        extends: true,
        test: {
          name: 'cluster',
          sequence: { groupOrder: 2 },
          include: ['backend/test/cluster/**/*.test.ts'],
          fileParallelism: false,
          env: { TEST_DATABASE_URL },
          globalSetup: ['backend/test/global-setup.ts'],
        },
      },
    ],
  },
})
