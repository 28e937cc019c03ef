/** Rewrites the README's JSON field lists from src/commands/json-output.ts (`npm run readme:json`). */
import { readFileSync, writeFileSync } from 'node:fs';
import { jsonFieldsMarkdown } from '../src/commands/json-output.js';

const path = new URL('../../README.md', import.meta.url);
const readme = readFileSync(path, 'utf8');
const block = /(<!-- json-fields:start[^>]*-->\n)[\s\S]*?(<!-- json-fields:end -->)/;
if (!block.test(readme)) throw new Error('README.md has no json-fields markers');
writeFileSync(
  path,
  readme.replace(
    block,
    (_m, start: string, end: string) => `${start}\n${jsonFieldsMarkdown()}\n\n${end}`,
  ),
);
