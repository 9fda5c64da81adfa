import { Type } from 'typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { COMMON_ERROR_RESPONSES, ErrorSchema, IdParamsSchema } from '../common-schemas.js'
import { SwitchboardError } from '../errors.js'
import { authOf } from '../plugins/app/auth.js'
import {
  ContactLookupQuerySchema, ContactPageSchema, ContactQuerySchema, ContactSchema, CreateContactSchema, UpdateContactSchema,
} from './contact-schemas.js'
import { authorOf } from './request-context.js'

/** Contacts: the people behind emails and WhatsApp numbers, deduped on email and phone. */
const contactRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { contacts } = app.services.crm
  const tags = ['contacts']

  app.get('/contacts', {
    schema: { tags, summary: 'Contacts, newest first, with search and filters', querystring: ContactQuerySchema, response: { 200: ContactPageSchema, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:read' } },
  }, async (request) => contacts.list(authOf(request).workspaceId, request.query))

  app.get('/contacts/lookup', {
    schema: { tags, summary: 'The contact with this email or phone (exactly one); 404 when none', querystring: ContactLookupQuerySchema, response: { 200: ContactSchema, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:read' } },
  }, async (request) => {
    const { email, phone } = request.query
    if (email === undefined && phone === undefined) throw new SwitchboardError('SB_VALIDATION', 'email')
    if (email !== undefined && phone !== undefined) throw new SwitchboardError('SB_VALIDATION', 'phone')
    const contact = await contacts.lookup(authOf(request).workspaceId, email === undefined ? { phone: phone! } : { email })
    if (contact === undefined) throw new SwitchboardError('SB_CONTACT_NOT_FOUND')
    return contact
  })

  app.get('/contacts/:id', {
    schema: { tags, summary: 'One contact', params: IdParamsSchema, response: { 200: ContactSchema, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:read' } },
  }, async (request) => {
    const contact = await contacts.get(authOf(request).workspaceId, request.params.id)
    if (contact === undefined) throw new SwitchboardError('SB_CONTACT_NOT_FOUND')
    return contact
  })

  app.post('/contacts', {
    schema: { tags, summary: 'Create a contact; 409 with existingId when an email or phone is taken', body: CreateContactSchema, response: { 201: ContactSchema, 409: ErrorSchema, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:write' } },
  }, async (request, reply) => {
    const contact = await contacts.create(authOf(request).workspaceId, request.body, authorOf(request))
    return reply.code(201).send(contact)
  })

  app.patch('/contacts/:id', {
    schema: { tags, summary: 'Change a contact; lists given replace the stored ones', params: IdParamsSchema, body: UpdateContactSchema, response: { 200: ContactSchema, 409: ErrorSchema, ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'crm:write' } },
  }, async (request) => {
    const contact = await contacts.update(authOf(request).workspaceId, request.params.id, request.body, authorOf(request))
    if (contact === undefined) throw new SwitchboardError('SB_CONTACT_NOT_FOUND')
    return contact
  })

  app.delete('/contacts/:id', {
    schema: { tags, summary: 'Delete a contact and the activities only it holds (admins)', params: IdParamsSchema, response: { 204: Type.Null(), ...COMMON_ERROR_RESPONSES } },
    config: { access: { scope: 'admin' } },
  }, async (request, reply) => {
    if (!await contacts.delete(authOf(request).workspaceId, request.params.id)) throw new SwitchboardError('SB_CONTACT_NOT_FOUND')
    return reply.code(204).send(null)
  })
}

export default contactRoutes
