/**
 * The names Apps Script sees: the manifest's triggers and the card-action dispatcher. The
 * build appends one top-level `function` per export, so export nothing else from this file.
 */
import { BACKEND_URL } from '../../sheets-plugin/src/build-constants.js'
import { parseMailbox } from './core/address.js'
import { composeCard, homepageCard, messageCard, settingsCard } from './core/cards.js'
import { renderCard } from './host/card-renderer.js'
import { dispatchCardAction } from './host/dispatcher.js'
import { draftRecipients, openMessageFrom } from './host/gmail-message.js'

type Event = GoogleAppsScript.Addons.EventObject
type Card = GoogleAppsScript.Card_Service.Card

/** addOns.common.homepageTrigger: shown when no message is open. */
export function onHomepage (_event: Event): Card {
  return renderCard(homepageCard())
}

/** gmail.contextualTriggers (unconditional): runs for every message the user opens. */
export function onGmailMessage (event: Event): Card[] {
  return [renderCard(messageCard(parseMailbox(openMessageFrom(event) ?? '')))]
}

/** gmail.composeTrigger select action. */
export function onCompose (event: Event): Card[] {
  return [renderCard(composeCard(draftRecipients(event).map(parseMailbox)))]
}

/** addOns.common.universalActions "Settings". */
export function onSettings (_event: Event): GoogleAppsScript.Card_Service.UniversalActionResponse {
  return CardService.newUniversalActionResponseBuilder()
    .displayAddOnCards([renderCard(settingsCard(BACKEND_URL))])
    .build()
}

/** The one function every card button calls; see core/card-actions.ts. */
export function onCardAction (event: Event): GoogleAppsScript.Card_Service.ActionResponse {
  return dispatchCardAction(event)
}
