import { urlFetchBatchTransport, urlFetchTransport } from '../../../apps-script/src/host/url-fetch.js'
import { BACKEND_URL } from '../../../apps-script/src/build-constants.js'
import { createGmailBackend } from '../core/gmail-client.js'
import { formValuesOf, type FormValues } from '../core/form-inputs.js'
import type { ExecutionInput, GmailPorts, Surface } from '../core/ports.js'
import { gmailMailPort } from './gmail-message.js'

/** The ports of one execution, over Apps Script's services. */
export function appsScriptPorts (event: GoogleAppsScript.Addons.EventObject): GmailPorts {
  return {
    backend: createGmailBackend({
      baseUrl: BACKEND_URL,
      // Needs the openid scope (and userinfo.email for the email claim the backend maps to a user).
      identityToken: () => ScriptApp.getIdentityToken(),
      transport: urlFetchTransport,
      batchTransport: urlFetchBatchTransport,
    }),
    mail: gmailMailPort(event),
    now: () => Date.now(),
    userEmail: () => Session.getActiveUser().getEmail(),
    backendUrl: BACKEND_URL,
  }
}

/** The execution's inputs from its event; `startedAt` is taken by the caller as early as possible. */
export function executionInput (event: GoogleAppsScript.Addons.EventObject, surface: Surface, startedAt: number): ExecutionInput {
  // Google sends the offset in milliseconds (typed as a string in @types/google-apps-script).
  const offset = Number(event.commonEventObject?.timeZone?.offset ?? 0)
  return { surface, timeZoneOffsetMs: Number.isFinite(offset) ? offset : 0, startedAt }
}

/** The values of the clicked card's inputs. */
export function formValues (event: GoogleAppsScript.Addons.EventObject): FormValues {
  return formValuesOf(event.commonEventObject?.formInputs)
}
