// Replaced by the build (esbuild `define`) with the backend URL it was given; see build/build.ts.
declare const SWITCHBOARD_BACKEND_URL: string

/**
 * The backend this bundle was built for, without a trailing slash. The same URL sits in
 * appsscript.json's urlFetchWhitelist, so the add-on can call nothing else.
 */
export const BACKEND_URL: string = SWITCHBOARD_BACKEND_URL
