import { dropTestDatabases } from './postgres.js'

/** Before and after a run: no test database from a killed earlier run stays behind. */
export async function setup (): Promise<void> {
  await dropTestDatabases()
}

export async function teardown (): Promise<void> {
  await dropTestDatabases()
}
