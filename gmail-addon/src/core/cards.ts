/**
 * The add-on's screens as CardModels, built from backend answers and nothing else: no
 * Apps Script, no backend calls, so every screen is a pure function tests can call. Each
 * group of screens has its own module; this one gathers them for the dispatcher and tests.
 */
export * from './card-fields.js'
export * from './home-cards.js'
export * from './message-cards.js'
export * from './crm-form-cards.js'
export * from './whatsapp-cards.js'
