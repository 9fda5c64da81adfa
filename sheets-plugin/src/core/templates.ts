import type { Template } from '../../../apps-script/src/core/api-types.js'
import { PACING, type AppContext } from './app-context.js'
import type { CampaignClient } from './campaign-client.js'
import type { TemplateOption } from './sidebar-protocol.js'

function toOption (template: Template): TemplateOption {
  return {
    name: template.name,
    language: template.language,
    category: template.category,
    text: template.text,
    variables: template.variables.map((v) => ({ key: v.key, name: v.name, component: v.component, kind: v.kind, example: v.example })),
  }
}

/** The approved templates, cached per user for a few minutes. */
export function createTemplates ({ deps }: AppContext) {
  return function templates (client: CampaignClient): TemplateOption[] {
    // Keyed by the credential: after switching tokens, another workspace's templates never show.
    const key = `sb1.templates.${deps.cacheScope?.() ?? ''}`
    const cached = deps.cache?.get(key)
    if (cached !== undefined && cached !== null) return JSON.parse(cached) as TemplateOption[]
    const options = client.templates().filter((t) => t.status === 'APPROVED').map(toOption)
    const text = JSON.stringify(options)
    // CacheService takes at most 100 KB a value; a larger list is simply not cached.
    if (text.length < 90_000) deps.cache?.put(key, text, PACING.templatesCacheSeconds)
    return options
  }
}
