import type { TestProject } from 'vitest/node'
import { dropTestDatabases } from './postgres.js'

/**
 * Before and after the PostgreSQL run: no test database from a killed earlier run stays
 * behind. The URL is the project's (vitest.config.ts), not this process's environment.
 */
export async function setup (project: TestProject): Promise<() => Promise<void>> {
  const url = project.config.env['TEST_DATABASE_URL']
  if (url === undefined || url === '') throw new Error('the postgres test project needs TEST_DATABASE_URL')
  await dropTestDatabases(url)
  return () => dropTestDatabases(url)
}
