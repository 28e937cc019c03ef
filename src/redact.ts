/**
 * Secrets never reach an output: whatever radar prints, logs or stores (URLs, error messages that
 * may quote a request URL, log records) goes through these pure functions first.
 */

export const REDACTED = '[REDACTED]';

/** Token shapes of GitHub, OpenAI and Anthropic. */
const TOKEN_PATTERN =
  /\b(gh[pousr]_[A-Za-z0-9]{16,}|github_pat_[A-Za-z0-9_]{20,}|sk-(?:ant-)?[A-Za-z0-9_-]{16,})\b/g;

/** `scheme://user:password@` inside free text: the user-info ends at the first `/ ? # @` or space. */
const USERINFO_IN_TEXT = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi;

/** An Authorization header value, as an HTTP line or a JSON field: `authorization: token X`. */
const AUTH_HEADER =
  /(\bauthorization["']?\s*[:=]\s*["']?)(?:(?:token|bearer|basic)\s+)?[^\s"',;}]+/gi;

/** Query parameters that carry credentials (`?access_token=…`). */
const SECRET_QUERY =
  /([?&](?:access_token|token|api_key|apikey|key|secret|password|sslpassword|client_secret|sig)=)[^&#\s"']+/gi;

/** Known secret values shorter than this are not searched for (they would mask ordinary words). */
const MIN_SECRET_LENGTH = 6;

/**
 * Masks credentials in free text: the given secret values wherever they appear, user-info in
 * URLs, Authorization header values, credential query parameters and token-shaped strings.
 */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= MIN_SECRET_LENGTH) out = out.split(secret).join(REDACTED);
  }
  return out
    .replace(USERINFO_IN_TEXT, `$1${REDACTED}@`)
    .replace(AUTH_HEADER, `$1${REDACTED}`)
    .replace(SECRET_QUERY, `$1${REDACTED}`)
    .replace(TOKEN_PATTERN, REDACTED);
}

/**
 * A URL fit to print: user-info (`user:token@`) and credential query parameters masked. Anything
 * between the scheme and the last `@` goes, parsed or not: in a value that is not quite a URL
 * (`http://u:1234/TOKEN@host`) a parser may not see the user-info that a person meant.
 */
export function redactUrl(url: string): string {
  const at = url.lastIndexOf('@');
  if (at < 0) return redactSecrets(url);
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0] ?? '';
  return redactSecrets(`${scheme}${REDACTED}${url.slice(at)}`);
}

const SECRET_KEY = /^(authorization|token|password|secret|cookie|.*[-_]token|.*api[-_]?key)$/i;

/**
 * A log record's value with every string masked: strings by redactSecrets, values of fields named
 * like credentials (`authorization`, `token`, `password`, …) replaced outright, errors reduced to
 * their (masked) name, message and stack. Cycles and very deep values are cut short.
 */
export function redactDeep(value: unknown, secrets: readonly string[] = [], depth = 0): unknown {
  if (typeof value === 'string') return redactSecrets(value, secrets);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 6) return '[…]';
  if (value instanceof Error) {
    const { name, message, stack } = value;
    const status = (value as { status?: unknown }).status;
    return {
      type: name,
      message: redactSecrets(message, secrets),
      ...(typeof status === 'number' ? { status } : {}),
      ...(stack ? { stack: redactSecrets(stack, secrets) } : {}),
    };
  }
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, secrets, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] =
      SECRET_KEY.test(k) && v !== null && v !== undefined && typeof v !== 'object'
        ? REDACTED
        : redactDeep(v, secrets, depth + 1);
  }
  return out;
}
