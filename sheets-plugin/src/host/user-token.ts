import type { TokenStore } from '../core/connection.js'

// One key per user; user properties are private to the user across every sheet they open.
const TOKEN_KEY = 'switchboard.apiToken'

/**
 * The API token in the user's properties. PropertiesService is touched only when a method
 * runs, never at load: in AuthMode.NONE (onOpen before first use) touching it throws.
 */
export function userTokenStore (): TokenStore {
  return {
    read: () => PropertiesService.getUserProperties().getProperty(TOKEN_KEY),
    write: (token) => { PropertiesService.getUserProperties().setProperty(TOKEN_KEY, token) },
    clear: () => { PropertiesService.getUserProperties().deleteProperty(TOKEN_KEY) },
  }
}
