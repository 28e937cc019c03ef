// Regenerates src/ledger/schema-snapshot.ts from the migrations: `npm run ledger:snapshot`.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { schemaSnapshotText } from '../src/ledger/snapshot.js';

const target = fileURLToPath(new URL('../../src/ledger/schema-snapshot.ts', import.meta.url));
writeFileSync(target, schemaSnapshotText());
process.stdout.write(`wrote ${target}\n`);
