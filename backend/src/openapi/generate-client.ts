import fs from 'node:fs'
import { apiDocument, CLIENT_SCHEMA_FILE, clientSchema } from './client-schema.js'

/** `npm run client:generate`: writes clients/typescript/schema.d.ts from the current routes and events. */
const text = await clientSchema(await apiDocument())
fs.writeFileSync(CLIENT_SCHEMA_FILE, text)
process.stdout.write(`Wrote ${CLIENT_SCHEMA_FILE} (${text.length} characters)\n`)
