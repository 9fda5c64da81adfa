import fp from 'fastify-plugin'
import fastifyCookie from '@fastify/cookie'

/** Cookie parsing for web sessions (and, later, the OAuth state and PKCE cookies). */
export default fp(async function cookie (app) {
  await app.register(fastifyCookie)
}, { name: 'cookie' })
