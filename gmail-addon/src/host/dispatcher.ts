import { CLIENT_ERROR_CODES } from '../../../apps-script/src/core/backend-client.js'
import { addonContext, rootCard, runAction } from '../core/addon.js'
import { parseAction, replacesOf, surfaceOf } from '../core/card-actions.js'
import type { ActionResult } from '../core/card-model.js'
import { errorCard, refreshAction } from '../core/cards.js'
import { describeGmailError, GMAIL_ERROR_CODES } from '../core/gmail-errors.js'
import type { Surface } from '../core/ports.js'
import { renderCard, renderResult } from './card-renderer.js'
import { appsScriptPorts, executionInput, formValues } from './ports.js'

type Event = GoogleAppsScript.Addons.EventObject
type Card = GoogleAppsScript.Card_Service.Card

/** A trigger's root card (message, homepage, compose), or the card that says why not. */
export function showRoot (event: Event, surface: Surface): Card {
  const startedAt = Date.now()
  try {
    const ctx = addonContext(appsScriptPorts(event), executionInput(event, surface, startedAt))
    return renderCard(rootCard(ctx), surface)
  } catch (error) {
    // The core turns every backend and Gmail failure into a card; this is the net for a bug,
    // so the user gets a Retry instead of Gmail's bare "add-on error" bar.
    logUnexpected(error)
    return renderCard(errorCard({ code: CLIENT_ERROR_CODES.unexpected, message: '' }, refreshAction(surface)), surface)
  }
}

/** Routes a card button's click to its handler (core/addon.ts) by the `action` parameter. */
export function dispatchCardAction (event: Event): GoogleAppsScript.Card_Service.ActionResponse | GoogleAppsScript.Card_Service.UpdateDraftActionResponse {
  const startedAt = Date.now()
  const parameters = event.commonEventObject?.parameters
  const surface = surfaceOf(parameters)
  const action = parseAction(parameters)
  // A card rendered by an older deployment can still name an action (or lack a parameter) that no longer exists.
  if (action === undefined) {
    const stale: ActionResult = { kind: 'response', notification: describeGmailError({ code: GMAIL_ERROR_CODES.staleCard, message: '' }) }
    return renderResult(stale, surface)
  }
  try {
    const ctx = addonContext(appsScriptPorts(event), executionInput(event, surface, startedAt), formValues(event))
    return renderResult(runAction(ctx, action, replacesOf(parameters)), surface)
  } catch (error) {
    logUnexpected(error)
    return renderResult({ kind: 'response', notification: describeGmailError({ code: CLIENT_ERROR_CODES.unexpected, message: '' }) }, surface)
  }
}

// The stack only, never the event: it carries the user's form values and message ids.
function logUnexpected (error: unknown): void {
  console.error(error instanceof Error ? error.stack ?? error.message : String(error))
}
