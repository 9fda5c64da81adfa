import createClient, { type Client, type Middleware } from 'openapi-fetch'
import type { components, operations, paths, webhooks } from './schema.js'

/**
 * A typed client for the Switchboard API: openapi-fetch over the types generated from
 * GET /openapi.json (schema.d.ts), so paths, parameters, bodies and answers are checked
 * at compile time. Calls answer `{ data, error, response }`: `error` is the API's error
 * body (`{ code, message, field? }`, see docs/errors.md) on a 4xx or 5xx.
 */

export type { components, operations, paths, webhooks }

/** The API's main records by name, e.g. `Schemas['Contact']`. */
export type Schemas = components['schemas']

/** The error body every 4xx and 5xx answer has. */
export type ApiError = Schemas['Error']

/** The event types a webhook endpoint can receive. */
export type EventType = keyof webhooks

/** An event as your webhook endpoint receives it (the parsed body); narrow on `type`. */
export type SwitchboardEvent<T extends EventType = EventType> = {
  [K in T]: NonNullable<webhooks[K]['post']['requestBody']>['content']['application/json']
}[T]

export interface SwitchboardClientOptions {
  /** Where Switchboard runs (its PUBLIC_URL), e.g. https://crm.example.com */
  baseUrl: string
  /** A personal API token (sbt_…); create one in the web app or with `npm run cli -- token create`. */
  token: string
  /** Another fetch (tests, proxies); the global one by default. */
  fetch?: typeof globalThis.fetch
}

export type SwitchboardClient = Client<paths>

/** A client that sends the token with every request. */
export function createSwitchboardClient (options: SwitchboardClientOptions): SwitchboardClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  })
  const auth: Middleware = {
    onRequest ({ request }) {
      request.headers.set('authorization', `Bearer ${options.token}`)
      return request
    },
  }
  client.use(auth)
  return client
}
