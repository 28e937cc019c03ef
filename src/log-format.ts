/**
 * pino's JSON records as one human-readable line each, for a terminal: `12:04:05 WARN message
 * key=value …`. Pure; logging.ts feeds it every record written to stderr unless
 * `--log-format json` asks for pino's JSON as it is (the log file is always JSON).
 */
const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

export type LogFormat = 'text' | 'json';

export function formatLogLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const { time, level, msg, err, ...fields } = record;
  const at = typeof time === 'number' ? new Date(time).toISOString().slice(11, 19) : '--:--:--';
  const name = typeof level === 'number' ? (LEVELS[level] ?? String(level)) : String(level);
  const parts = [at, name.padEnd(5), typeof msg === 'string' ? msg : ''];
  for (const [key, value] of Object.entries(fields)) parts.push(`${key}=${show(value)}`);
  if (err && typeof err === 'object' && 'message' in err)
    parts.push(`err=${show((err as { message: unknown }).message)}`);
  return `${parts.filter((p) => p !== '').join(' ')}\n`;
}

function show(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return typeof value === 'string' && /[\s"=]/.test(text) ? JSON.stringify(text) : String(text);
}
