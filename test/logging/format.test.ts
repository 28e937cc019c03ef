import { describe, expect, it } from 'vitest';
import { formatLogLine } from '../../src/log-format.js';

const at = Date.parse('2026-06-01T12:04:05.678Z');

describe('formatLogLine', () => {
  it.each([
    [{ level: 30, time: at, msg: 'scan done' }, '12:04:05 INFO  scan done\n'],
    [
      { level: 40, time: at, msg: 'slow answer', ms: 1500, host: 'api.github.com' },
      '12:04:05 WARN  slow answer ms=1500 host=api.github.com\n',
    ],
    [
      { level: 20, time: at, msg: 'request', query: 'is:pr author:ann', ids: [1, 2] },
      '12:04:05 DEBUG request query="is:pr author:ann" ids=[1,2]\n',
    ],
    [
      { level: 50, time: at, msg: 'failed', err: { message: 'boom', stack: 'at x' } },
      '12:04:05 ERROR failed err=boom\n',
    ],
    [{ level: 60, msg: 'no time' }, '--:--:-- FATAL no time\n'],
  ])('%j', (record, expected) => {
    expect(formatLogLine(`${JSON.stringify(record)}\n`)).toBe(expected);
  });

  it('passes a line that is not JSON through unchanged', () => {
    expect(formatLogLine('plain text')).toBe('plain text\n');
  });
});
