import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { LONGEST_FIRST } from './sequencer.js';

describe('the files the suite starts first', () => {
  it.each(LONGEST_FIRST)('%s is a test file of the suite', (file) => {
    expect(file).toMatch(/^test\/.+\.test\.ts$/);
    expect(existsSync(join(ROOT, file))).toBe(true);
  });

  it('names each file once', () => {
    expect(new Set(LONGEST_FIRST).size).toBe(LONGEST_FIRST.length);
  });
});
