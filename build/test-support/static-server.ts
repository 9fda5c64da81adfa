import { readFile, stat } from 'node:fs/promises'
import { createServer } from 'node:http'
import path from 'node:path'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.xml': 'application/xml; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
}

export interface StaticServer {
  /** Origin, e.g. http://127.0.0.1:41234 (no trailing slash). */
  origin: string
  close: () => Promise<void>
}

/**
 * Serves `dir` under `mount` on 127.0.0.1, like the backend serves dist/outlook-addin at
 * /outlook/. Paths are resolved inside `dir` only.
 */
export async function serveDirectory (dir: string, mount = '/'): Promise<StaticServer> {
  const root = path.resolve(dir)
  const server = createServer((request, response) => {
    void (async () => {
      const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname)
      const file = pathname.startsWith(mount) ? path.resolve(root, `.${pathname.slice(mount.length - 1)}`) : undefined
      if (file === undefined || !file.startsWith(root + path.sep) || !(await stat(file).catch(() => undefined))?.isFile()) {
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
        return
      }
      response.writeHead(200, { 'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream' })
      response.end(await readFile(file))
    })().catch(() => { response.writeHead(500).end() })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('No TCP address')
  return {
    origin: `http://127.0.0.1:${address.port}`,
    close: () => new Promise((resolve) => {
      server.closeAllConnections()
      server.close(() => { resolve() })
    }),
  }
}
