import type { Config } from './config.js'

/** Pino options for the API process, as `buildApp` passes them to Fastify. */
export interface LoggerOptions {
  level: Config['logLevel']
  transport?: { target: 'pino-pretty', options: Record<string, unknown> }
}

/**
 * JSON lines (one object per line) unless standard output is a terminal: log collectors
 * in production read JSON, a person at `npm start` reads lines. pino-pretty runs in pino's
 * transport worker thread, so formatting never holds up a request. `destination` is for
 * tests (a file instead of standard output).
 */
export function loggerOptions (level: Config['logLevel'], stdoutIsTty: boolean, destination?: string): LoggerOptions {
  if (!stdoutIsTty) return { level }
  return {
    level,
    transport: {
      target: 'pino-pretty',
      options: { colorize: destination === undefined, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', ...(destination === undefined ? {} : { destination }) },
    },
  }
}
