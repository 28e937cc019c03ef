import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `node dist/scripts/openapi-extract.js [api.github.com.json]`: the part of GitHub's published
 * OpenAPI description that the fake GitHub's REST answers are checked against
 * (test/fake-github/server.test.ts), written to test/fixtures/openapi/. Without a file, the
 * pinned @octokit/openapi tarball is fetched with `npm pack` into a temporary folder. The
 * extract names its source (package, version, tarball integrity, path, sha256 of the file), so
 * the whole 385 MB package is not a dev dependency of every clone.
 *
 * To move to a newer description: change VERSION, run the script, run the test.
 */

const PACKAGE = '@octokit/openapi';
const VERSION = '23.0.2';
const SOURCE_PATH = 'generated/api.github.com.json';
/** The operations whose 200 answers the fake serves and the test validates. */
export const OPERATIONS = ['users/get-authenticated', 'rate-limit/get'] as const;

/** Where the extract is committed, from the repository's root. */
export const EXTRACT = 'test/fixtures/openapi/api.github.com.subset.json';
/** The repository, from dist/scripts/ where this runs. */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

type Json = unknown;
interface Operation {
  operationId?: string;
  responses?: Record<string, Json>;
}
export interface OpenApiDoc {
  openapi?: string;
  info?: { version?: string };
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, Record<string, Json>>;
}

/** Every `#/components/SECTION/NAME` a value refers to, directly. */
function refsIn(value: Json, out: Set<string>): void {
  if (Array.isArray(value)) for (const v of value) refsIn(v, out);
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/components/')) out.add(v);
      else refsIn(v, out);
    }
}

/**
 * Pure: the named operations (operationId and 200 answer only) and the components they refer
 * to, transitively; nothing else of the document.
 */
export function extractOperations(doc: OpenApiDoc, operationIds: readonly string[]): OpenApiDoc {
  const paths: OpenApiDoc['paths'] = {};
  const wanted = new Set(operationIds);
  for (const [path, item] of Object.entries(doc.paths))
    for (const [method, op] of Object.entries(item))
      if (op.operationId && wanted.delete(op.operationId)) {
        const ok = op.responses?.['200'];
        if (ok === undefined) throw new Error(`${op.operationId} has no 200 answer`);
        (paths[path] ??= {})[method] = { operationId: op.operationId, responses: { '200': ok } };
      }
  if (wanted.size) throw new Error(`not in the description: ${[...wanted].join(', ')}`);
  const components: OpenApiDoc['components'] = {};
  const pending = new Set<string>();
  refsIn(paths, pending);
  const done = new Set<string>();
  for (const ref of pending) {
    if (done.has(ref)) continue;
    done.add(ref);
    const [section, name] = ref.slice('#/components/'.length).split('/') as [string, string];
    const value = doc.components[section]?.[name];
    if (value === undefined) throw new Error(`dangling reference ${ref}`);
    (components[section] ??= {})[name] = value;
    refsIn(value, pending);
  }
  // Stable output: sections and names sorted.
  const sorted = Object.fromEntries(
    Object.keys(components)
      .sort()
      .map((s) => [
        s,
        Object.fromEntries(
          Object.keys(components[s]!)
            .sort()
            .map((n) => [n, components[s]![n]]),
        ),
      ]),
  );
  return { openapi: doc.openapi, info: doc.info, paths, components: sorted };
}

/** The pinned tarball, unpacked in a temporary folder: the source file and its integrity. */
function fetchPinned(): { file: string; integrity: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'radar-openapi-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  const pack = spawnSync(
    'npm',
    ['pack', `${PACKAGE}@${VERSION}`, '--json', '--pack-destination', dir, '--loglevel=error'],
    { encoding: 'utf8' },
  );
  if (pack.status !== 0) {
    cleanup();
    throw new Error(`npm pack ${PACKAGE}@${VERSION} failed: ${pack.stderr.trim()}`);
  }
  const [info] = JSON.parse(pack.stdout) as { filename: string; integrity: string }[];
  const tar = spawnSync('tar', [
    '-xzf',
    join(dir, info!.filename),
    '-C',
    dir,
    `package/${SOURCE_PATH}`,
  ]);
  if (tar.status !== 0) {
    cleanup();
    throw new Error(`could not unpack ${SOURCE_PATH}: ${String(tar.stderr).trim()}`);
  }
  return { file: join(dir, 'package', SOURCE_PATH), integrity: info!.integrity, cleanup };
}

function main(argv: readonly string[]): number {
  const given = argv[0];
  const source = given
    ? { file: resolve(given), integrity: null, cleanup: () => {} }
    : fetchPinned();
  try {
    const bytes = readFileSync(source.file);
    const doc = JSON.parse(bytes.toString('utf8')) as OpenApiDoc;
    const extract = extractOperations(doc, OPERATIONS);
    const provenance = {
      package: `${PACKAGE}@${VERSION}`,
      tarballIntegrity: source.integrity,
      path: SOURCE_PATH,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      descriptionVersion: doc.info?.version ?? null,
      operations: OPERATIONS,
      regenerate: 'npm run build:test && node dist/scripts/openapi-extract.js',
    };
    writeFileSync(join(ROOT, EXTRACT), `${JSON.stringify({ provenance, ...extract }, null, 2)}\n`);
    const kept = Object.values(extract.components).reduce((n, s) => n + Object.keys(s).length, 0);
    console.log(
      `${EXTRACT}: ${OPERATIONS.length} operations, ${kept} components, from ${provenance.sha256}`,
    );
    return 0;
  } finally {
    source.cleanup();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url))
  process.exitCode = main(process.argv.slice(2));
