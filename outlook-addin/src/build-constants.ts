// Replaced by the build (esbuild `define`) with the backend URL it was given; see build/build.ts.
declare const SWITCHBOARD_BACKEND_URL: string

/**
 * The backend this bundle was built for, without a trailing slash. It also serves the pane
 * (/outlook/), so the sign-in dialog opens on the pane's own origin, as Office requires.
 */
export const BACKEND_URL: string = SWITCHBOARD_BACKEND_URL
