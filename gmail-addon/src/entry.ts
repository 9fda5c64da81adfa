/**
 * The names Apps Script sees: the manifest's triggers and the card-action dispatcher. The
 * build appends one top-level `function` per export, so export nothing else from this file.
 */
import { BACKEND_URL } from '../../apps-script/src/build-constants.js'
import { settingsCard } from './core/cards.js'
import { renderCard } from './host/card-renderer.js'
import { dispatchCardAction, showRoot } from './host/dispatcher.js'

type Event = GoogleAppsScript.Addons.EventObject
type Card = GoogleAppsScript.Card_Service.Card

/** addOns.common.homepageTrigger: search and recent activity, shown when no message is open. */
export function onHomepage (event: Event): Card {
  return showRoot(event, 'home')
}

/** gmail.contextualTriggers (unconditional): the CRM card of whoever is on the open message. */
export function onGmailMessage (event: Event): Card[] {
  return [showRoot(event, 'message')]
}

/** gmail.composeTrigger select action: the draft's recipients and their click-to-chat links. */
export function onCompose (event: Event): Card[] {
  return [showRoot(event, 'compose')]
}

/** addOns.common.universalActions "Settings": needs no backend call. */
export function onSettings (_event: Event): GoogleAppsScript.Card_Service.UniversalActionResponse {
  return CardService.newUniversalActionResponseBuilder()
    .displayAddOnCards([renderCard(settingsCard(BACKEND_URL), 'home')])
    .build()
}

/** The one function every card button calls; see core/card-actions.ts. */
export function onCardAction (event: Event): GoogleAppsScript.Card_Service.ActionResponse | GoogleAppsScript.Card_Service.UpdateDraftActionResponse {
  return dispatchCardAction(event)
}
