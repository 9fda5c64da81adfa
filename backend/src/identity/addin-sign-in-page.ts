import type { AddinAuthorizeQuery } from './addin-schemas.js'

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Text for HTML content and double-quoted attributes. */
export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c)
}

/**
 * The sign-in page shown in the Office dialog. No script: the form posts to us, and the
 * authorization request rides along in hidden fields so the POST can be checked again.
 */
export function renderSignInPage (input: { request: AddinAuthorizeQuery, email?: string, error?: string }): string {
  const hidden = Object.entries(input.request)
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(String(value))}">`).join('\n      ')
  const error = input.error === undefined ? '' : `<p class="error" role="alert" id="error">${escapeHtml(input.error)}</p>`
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Sign in to Switchboard</title>
  <style>
    body { font-family: "Segoe UI", system-ui, sans-serif; margin: 0; color: #201f1e; }
    header { background: #075e54; color: #fff; padding: 12px 16px; font-weight: 600; }
    main { padding: 16px; max-width: 360px; }
    label { display: block; margin: 12px 0 4px; font-size: 13px; }
    input[type=email], input[type=password] { width: 100%; box-sizing: border-box; padding: 8px; font-size: 14px; border: 1px solid #8a8886; border-radius: 2px; }
    button { margin-top: 16px; padding: 8px 16px; background: #075e54; color: #fff; border: 0; border-radius: 2px; font-size: 14px; }
    .error { color: #a4262c; }
    .note { color: #605e5c; font-size: 12px; }
  </style>
</head>
<body>
  <header>Switchboard</header>
  <main>
    <h1 style="font-size:18px">Sign in to use Switchboard in Outlook</h1>
    ${error}
    <form method="post" action="authorize">
      ${hidden}
      <label for="email">Work email</label>
      <input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(input.email ?? '')}">
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required>
      <button type="submit" id="sign-in">Sign in</button>
    </form>
    <p class="note">Outlook keeps you signed in; sign out from the pane at any time.</p>
  </main>
</body>
</html>
`
}
