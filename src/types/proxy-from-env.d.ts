// proxy-from-env ships no types; the one function byok uses.
declare module 'proxy-from-env' {
  /** The proxy URL for this URL from HTTP(S)_PROXY / ALL_PROXY / NO_PROXY, or '' for a direct connection. */
  export function getProxyForUrl(url: string | URL): string;
}
