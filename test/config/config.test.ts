import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseJsonc } from 'jsonc-parser';
import { validateConfig } from '../../src/config/load.js';
import { configJsonSchemaText } from '../../src/config/json-schema.js';
import { STARTER_CONFIG } from '../../src/config/starter.js';
import { ROOT } from '../helpers/cli.js';

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
    expect(validateConfig(parseJsonc(STARTER_CONFIG)).errors).toEqual([]);
  });
});

describe('built-in defaults', () => {
  it('are exactly what the schema gives for an empty config (used without loading zod)', async () => {
    const { configSchema } = await import('../../src/config/schema.js');
    const { defaultConfig } = await import('../../src/config/defaults.js');
    expect(defaultConfig()).toEqual(configSchema.parse({}));
  });
});
