import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseJsonc } from 'jsonc-parser';
import { validateConfig } from '../../src/config/load.js';
import { configJsonSchemaText } from '../../src/config/json-schema.js';
import { shippedSchemaUrl, starterConfig } from '../../src/config/starter.js';
import { ROOT, runRadar, tempTree } from '../helpers/cli.js';

describe('config validation', () => {
  it('accepts an empty object and fills every default', () => {
    const { config, errors } = validateConfig({});
    expect(errors).toEqual([]);
    expect(config?.weekStart).toBe('monday');
    expect(config?.budget.targetBand).toEqual({ min: 80, max: 100 });
    expect(config?.budget.checkpoints).toEqual([
      { day: 'wednesday', below: 30 },
      { day: 'friday', above: 90 },
    ]);
    expect(config?.budget.providers.map((p) => p.name)).toEqual(['codex', 'claude']);
    expect(config?.budget.providers[0]?.usagePath).toBe('usage.secondary.usedPercent');
    expect(config?.watch).toEqual({ authors: [], repos: [], ignore: [], includeDrafts: false });
    expect(config?.scan.pageSize).toBe(50);
  });

  it('lists every problem with its dot-path', () => {
    const { config, errors } = validateConfig({
      tokens: {
        buckets: [{ match: '*.log', bucket: 'a' }, { match: 7, bucket: 'b' }, { bucket: 'c' }],
      },
      watch: { repos: ['not a repo'], includeDrafts: 'yes' },
      timezone: 'Mars/Olympus',
      surprise: true,
    });
    expect(config).toBeUndefined();
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^tokens\.buckets\[1\]\.match: /),
        expect.stringMatching(/^tokens\.buckets\[2\]\.match: /),
        expect.stringMatching(/^watch\.repos\[0\]: expected "owner\/name"/),
        expect.stringMatching(/^watch\.includeDrafts: /),
        expect.stringMatching(/^timezone: not a known IANA time zone/),
        expect.stringMatching(/unknown key "surprise"/),
      ]),
    );
    expect(errors).toHaveLength(6);
  });

  it('keeps the committed JSON Schema in step with the zod schema (run `npm run schema`)', () => {
    const committed = readFileSync(join(ROOT, 'config/radar.schema.json'), 'utf8');
    expect(committed).toBe(configJsonSchemaText());
  });

  it('ships an example config and a starter config that both validate', () => {
    const example: unknown = JSON.parse(
      readFileSync(join(ROOT, 'config/radar.example.json'), 'utf8'),
    );
    expect(validateConfig(example).errors).toEqual([]);
    for (const schema of [pathToFileURL(join(ROOT, 'config/radar.schema.json')).href, undefined])
      expect(validateConfig(parseJsonc(starterConfig(schema))).errors).toEqual([]);
  });

  it.each([
    // The bundle (dist/bin/), the sources (src/config/), tsc's output (dist/src/config/).
    { module: 'dist/bin/cli.js' },
    { module: 'src/config/starter.ts' },
    { module: 'dist/src/config/starter.js' },
  ])('finds the shipped schema at the package root from $module', ({ module }) => {
    expect(shippedSchemaUrl(pathToFileURL(join(ROOT, module)).href)).toBe(
      pathToFileURL(join(ROOT, 'config/radar.schema.json')).href,
    );
  });

  it('finds no schema from a module with no package above it', () => {
    const t = tempTree({ 'a/b/c/d/cli.js': '' });
    try {
      expect(shippedSchemaUrl(pathToFileURL(join(t.dir, 'a/b/c/d/cli.js')).href)).toBe(undefined);
    } finally {
      t.cleanup();
    }
  });

  it('radar init writes a config whose $schema is a file that exists: the committed schema', async () => {
    const t = tempTree();
    try {
      const target = join(t.dir, 'radar.json');
      expect((await runRadar(['init', target], { cwd: t.dir })).code).toBe(0);
      const written = parseJsonc(readFileSync(target, 'utf8')) as { $schema: string };
      expect(readFileSync(fileURLToPath(written.$schema), 'utf8')).toBe(configJsonSchemaText());
    } finally {
      t.cleanup();
    }
  });
});

describe('built-in defaults', () => {
  it('are exactly what the schema gives for an empty config (used without loading zod)', async () => {
    const { configSchema } = await import('../../src/config/schema.js');
    const { defaultConfig } = await import('../../src/config/defaults.js');
    expect(defaultConfig()).toEqual(configSchema.parse({}));
  });
});
