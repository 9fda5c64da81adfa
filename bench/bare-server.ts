import Fastify from 'fastify'

/**
 * The baseline: a bare Fastify 5 route answering a small JSON object. Switchboard's
 * routes are measured against it in the same run, so machine noise cancels out.
 */
const app = Fastify({ logger: false })
app.get('/hello', async () => ({ hello: 'world' }))
await app.listen({ port: Number(process.env['PORT'] ?? 8788), host: '127.0.0.1' })
process.stdout.write('ready\n')
