import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { openerFor } from '../../src/html/opener.js';
import { openDetached } from '../../src/commands/report-html.js';

describe('openerFor', () => {
  it.each([
    ['linux', 'xdg-open', ['/tmp/r.html']],
    ['freebsd', 'xdg-open', ['/tmp/r.html']],
    ['darwin', 'open', ['/tmp/r.html']],
    ['win32', 'cmd', ['/c', 'start', '""', '/tmp/r.html']],
  ] as const)('%s: %s', (platform, command, args) => {
    expect(openerFor(platform, '/tmp/r.html')).toEqual({ command, args });
  });
});

describe('openDetached', () => {
  const dir = mkdtempSync(join(tmpdir(), 'radar-open-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts the opener on the file and leaves it running', async () => {
    const bin = join(dir, 'bin');
    const seen = join(dir, 'seen');
    mkdirSync(bin);
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s' "$1" > '${seen}'\n`);
    chmodSync(join(bin, 'xdg-open'), 0o755);
    const failed = await openDetached('/tmp/page.html', 'linux', { ...process.env, PATH: bin });
    expect(failed).toBeUndefined();
    await vi.waitFor(
      () => expect(existsSync(seen) && readFileSync(seen, 'utf8')).toBe('/tmp/page.html'),
      {
        timeout: 10_000,
      },
    );
  });

  it('says why when the platform has no opener, without throwing', async () => {
    const empty = mkdtempSync(join(dir, 'empty-'));
    await expect(openDetached('/tmp/page.html', 'linux', { PATH: empty })).resolves.toBe(
      'xdg-open not found',
    );
  });
});
