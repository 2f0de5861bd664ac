/** What a credential's value is replaced with. */
export const REDACTED = 'REDACTED';

/**
 * Query parameters that carry a credential: SigV4 and SigV2 presigning, session tokens, and the
 * usual names of tokens, keys and passwords. Matched without regard to case.
 */
const CREDENTIAL_QUERY_PARAMETERS = `
  X-Amz-Signature X-Amz-Credential X-Amz-Security-Token X-Goog-Signature X-Goog-Credential
  Signature AWSAccessKeyId sig token access_token id_token refresh_token client_secret secret
  password passwd pwd api_key apikey
`
  .trim()
  .split(/\s+/);

// Where an authority ends for every URL parser (and a quote or bracket, for URLs in prose or
// JSON): a user name or password can hold none of these unless percent-encoded.
const AUTHORITY_END = String.raw`\s/\\?#"'<>\x60`;

/**
 * `scheme://user:password@`, the userinfo running to the last `@` before the authority ends, as
 * parsers read it. A host or port a parser refuses (a space, a bad port) does not matter.
 */
const USERINFO_AFTER_SCHEME = new RegExp(
  String.raw`\b([a-z][a-z0-9+.-]*:\/\/)[^${AUTHORITY_END}]*@`,
  'gi',
);

/**
 * `user:password@host` with no scheme, as a word on its own: at the start, or after a character
 * that is not part of a host name (a space, a quote, a bracket, `=`...). A colon is required, so
 * an e-mail address is left alone; a user name cut short at such a character still loses the
 * password that follows it.
 */
const USERINFO_WITHOUT_SCHEME = new RegExp(
  String.raw`(^|[^\w.~%+\-:@])[^${AUTHORITY_END}@:=]*:[^${AUTHORITY_END}]*@`,
  'g',
);

/** `?X-Amz-Signature=...` or `&token=...`: the value runs to the next parameter or the URL's end. */
const CREDENTIAL_QUERY = new RegExp(
  String.raw`([?&;])(${CREDENTIAL_QUERY_PARAMETERS.join('|')})=[^&#\s"'<>\x60]*`,
  'gi',
);

/**
 * `text` with the secrets of every URL in it removed: the userinfo (`user:password@`) is
 * stripped, and the value of each credential-like query parameter (`X-Amz-Signature`, `token`,
 * `password`...) becomes `REDACTED`. It works on text, not on parsed URLs, so URLs that no parser
 * takes (a space in the host, a bad port, no scheme: `user:pass@host:4569`) lose their secrets
 * too, and so does a message or a log line that holds several.
 */
export function redactUrl(text: string): string {
  return text
    .replace(USERINFO_AFTER_SCHEME, '$1')
    .replace(USERINFO_WITHOUT_SCHEME, '$1')
    .replace(CREDENTIAL_QUERY, `$1$2=${REDACTED}`);
}
