import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['{backend,gmail-addon,sheets-plugin,outlook-addin,build}/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    // Each test file boots its own app on its own SQLite file; files run in parallel processes.
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
