import {
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  KEPT_CONFIGS,
  cacheFileOf,
  readCachedConfig,
  writeCachedConfig,
} from '../../src/config/cache.js';
import { configFromText } from '../../src/config/load.js';
import { tempTrees } from '../helpers/cli.js';

const ROOT = join(import.meta.dirname, '../..');
const EXAMPLE = readFileSync(join(ROOT, 'config/radar.example.json'), 'utf8');

const tempDir = tempTrees();
const cacheDir = () => join(tempDir(), 'cache');

const PATH = '/home/ann/.config/radar/radar.json';
const BUILD = 'build-1';

describe('the kept config', () => {
  it('gives back exactly what validating the example config gave, for the same build, path and text', () => {
    const dir = cacheDir();
    const config = configFromText(PATH, EXAMPLE);
    writeCachedConfig(dir, { build: BUILD, path: PATH, text: EXAMPLE, config });
    expect(readCachedConfig(dir, BUILD, PATH, EXAMPLE)).toStrictEqual(config);
  });

  it.each([
    ['another build', 'build-2', PATH, EXAMPLE],
    ['another config file', BUILD, '/etc/radar.json', EXAMPLE],
    ['the text edited by one character', BUILD, PATH, EXAMPLE.replace('"monday"', '"mondax"')],
    ['a space added at the end', BUILD, PATH, `${EXAMPLE} `],
  ])('is not used for %s', (_case, build, path, text) => {
    const dir = cacheDir();
    const config = configFromText(PATH, EXAMPLE);
    writeCachedConfig(dir, { build: BUILD, path: PATH, text: EXAMPLE, config });
    expect(readCachedConfig(dir, build, path, text)).toBeUndefined();
  });

  it.each([
    ['no file', null],
    ['an empty file', Buffer.alloc(0)],
    ['a file cut short', 'cut'],
    ['a file of something else', Buffer.from('{"config": {}}')],
  ])('is a miss, not an error, for %s', (_case, content) => {
    const dir = cacheDir();
    const config = configFromText(PATH, EXAMPLE);
    writeCachedConfig(dir, { build: BUILD, path: PATH, text: EXAMPLE, config });
    const file = cacheFileOf(dir, PATH);
    if (content === null) rmSync(file);
    else writeFileSync(file, content === 'cut' ? readFileSync(file).subarray(0, 40) : content);
    expect(readCachedConfig(dir, BUILD, PATH, EXAMPLE)).toBeUndefined();
  });

  it('keeps nothing, and throws nothing, where the cache folder cannot be written', () => {
    const dir = cacheDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'radar'), 'a file where a folder should be');
    const config = configFromText(PATH, EXAMPLE);
    const inside = join(dir, 'radar');
    expect(() =>
      writeCachedConfig(inside, { build: BUILD, path: PATH, text: EXAMPLE, config }),
    ).not.toThrow();
    expect(readCachedConfig(inside, BUILD, PATH, EXAMPLE)).toBeUndefined();
    expect(readdirSync(dir)).toEqual(['radar']);
  });

  it(`keeps the ${KEPT_CONFIGS} configs written last, and forgets older ones`, () => {
    const dir = cacheDir();
    const config = configFromText(PATH, EXAMPLE);
    const paths = Array.from({ length: KEPT_CONFIGS + 3 }, (_, i) => `/tmp/run-${i}/radar.json`);
    paths.forEach((path, i) => {
      writeCachedConfig(dir, { build: BUILD, path, text: EXAMPLE, config });
      // Written one after another, a second apart, as runs would be.
      utimesSync(cacheFileOf(dir, path), 1_000 + i, 1_000 + i);
    });
    const hits = paths.map((path) => readCachedConfig(dir, BUILD, path, EXAMPLE) !== undefined);
    expect(hits).toEqual(paths.map((_, i) => i >= 3));
    expect(readdirSync(dir)).toHaveLength(KEPT_CONFIGS);
  });

  it('is written for its owner only, whole (no part file left beside it)', () => {
    const dir = cacheDir();
    writeCachedConfig(dir, {
      build: BUILD,
      path: PATH,
      text: EXAMPLE,
      config: configFromText(PATH, EXAMPLE),
    });
    const file = cacheFileOf(dir, PATH);
    expect(readdirSync(dir)).toEqual([file.slice(dir.length + 1)]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });
});
