import { createBackendClient, BackendError } from '../../../sheets-plugin/src/core/backend-client.js'
import { urlFetchTransport } from '../../../sheets-plugin/src/host/url-fetch.js'
import { BACKEND_URL } from '../../../sheets-plugin/src/build-constants.js'
import { actionNameOf, type CardActionName } from '../core/card-actions.js'
import { connectionCheckMessage, settingsCard, type ConnectionCheck } from '../core/cards.js'
import { notification, renderCard } from './card-renderer.js'

type ActionHandler = (event: GoogleAppsScript.Addons.EventObject) => GoogleAppsScript.Card_Service.ActionResponse

// Keyed by CardActionName: adding a name to CARD_ACTIONS without a handler is a compile error.
const HANDLERS: { readonly [K in CardActionName]: ActionHandler } = {
  openSettings: () => CardService.newActionResponseBuilder()
    .setNavigation(CardService.newNavigation().pushCard(renderCard(settingsCard(BACKEND_URL))))
    .build(),
  checkConnection: () => notification(connectionCheckMessage(checkConnection())),
}

/** Routes a card button's click to its handler by the `action` parameter. */
export function dispatchCardAction (event: GoogleAppsScript.Addons.EventObject): GoogleAppsScript.Card_Service.ActionResponse {
  const name = actionNameOf(event.commonEventObject?.parameters)
  // A card rendered by an older deployment can still name an action that no longer exists.
  if (name === undefined) return notification('This button no longer works. Reopen the add-on.')
  return HANDLERS[name](event)
}

function checkConnection (): ConnectionCheck {
  try {
    return { ok: true, health: createBackendClient({ baseUrl: BACKEND_URL, transport: urlFetchTransport }).health() }
  } catch (error) {
    if (error instanceof BackendError) return { ok: false, error }
    throw error
  }
}
