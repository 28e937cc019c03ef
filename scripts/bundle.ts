import { build, type Metafile, type Plugin } from 'esbuild';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `node dist/scripts/bundle.js` (part of `npm run build`): the shipped executable, dist/bin/cli.js,
 * bundled from tsc's output. Node resolves, reads and compiles every ES module of a start-up on
 * its own, about half a millisecond each; radar's cron paths (`radar ingest` of unchanged files, a
 * report) load some sixty of them, a third of their whole run. Bundled, a command loads a few
 * chunks. Each command still loads only its own code: dynamic imports become separate chunks.
 *
 * Entry points that radar starts by path (an agent session's watchdog, the demo's fake agent) are
 * entries of their own, beside the chunks, so `new URL('./x.js', import.meta.url)` finds them;
 * the parse worker thread is one CommonJS file beside them (see its build below).
 * better-sqlite3's JavaScript is bundled; its compiled addon is loaded from node_modules by path
 * (src/ledger/sqlite.ts). Some packages stay in node_modules: pino (its transports start workers by file path), the price table (versioned by its file) and
 * GitHub's schema (read from its own folder).
 *
 * The published package holds only dist/bin/: its "dependencies" are what the bundle loads from
 * node_modules (the externals below, better-sqlite3, and picomatch, which src/tokens/bucket.ts
 * requires at run time); every package bundled in is a devDependency, so `npm install -g` fetches
 * only those few (test/package/install.test.ts installs the packed tarball and runs the demo).
 */

/**
 * commander requires node:child_process when it loads, for executable subcommands, which radar
 * has none of; loading it (with net and dgram) costs several milliseconds at every start. In
 * commander only, it becomes an object that loads the real module on first use.
 */
const deferChildProcess: Plugin = {
  name: 'defer-child-process',
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]commander[\\/]/.test(args.importer)
        ? { path: 'deferred-child-process', namespace: 'radar-defer' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'radar-defer' }, () => ({
      contents:
        "module.exports = new Proxy({}, { get: (_, key) => require('node:child_process')[key] });",
      loader: 'js',
    }));
  },
};

/**
 * node-fetch's Blob (fetch-blob) loads `streams.cjs` first, which installs web streams (node's, or
 * a 120 KB polyfill) when `globalThis.ReadableStream` is missing and adds `Blob.prototype.stream`
 * when that is: neither is ever missing on the Node versions radar runs on (>= 20). Only asking
 * was costly: `ReadableStream` is a lazy global, and touching it loads node's web streams, about
 * 25 ms at every scan. In fetch-blob, that file becomes an empty module.
 */
const nodeHasWebStreams: Plugin = {
  name: 'node-has-web-streams',
  setup(b) {
    b.onResolve({ filter: /^\.\/streams\.cjs$/ }, (args) =>
      /[\\/]fetch-blob[\\/]/.test(args.importer)
        ? { path: 'fetch-blob-streams', namespace: 'radar-empty' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'radar-empty' }, () => ({ contents: '', loader: 'js' }));
  },
};

/**
 * Node's own modules are required, not imported: an ES module import of a built-in builds its ES
 * facade, which reads every export, and reading `fs.ReadStream` loads all of node's streams
 * (about 10 ms at every start, on a command that never opens a stream). A require hands back the
 * module object, whose lazy exports stay lazy. child_process inside commander keeps its own
 * deferral above.
 *
 * Each importing file gets its own stand-in (a one-line module, keyed by the importer), so the
 * stand-in lands in its importer's chunk. One stand-in shared by every importer of `node:fs`
 * would be a chunk of its own, for each set of commands that shares a built-in: a re-ingest
 * loaded eight such chunks of 300 bytes, and every ES module costs node about half a
 * millisecond to resolve, read, link and evaluate, whatever its size.
 */
const requireBuiltins: Plugin = {
  name: 'require-builtins',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) =>
      // The stand-in's own require is node's.
      args.namespace === 'radar-builtin'
        ? { path: args.path, external: true }
        : {
            path: args.path,
            namespace: 'radar-builtin',
            suffix: `?${relative(ROOT, args.importer).split(sep).join('/')}`,
          },
    );
    b.onLoad({ filter: /.*/, namespace: 'radar-builtin' }, (args) => {
      const names = plainImports(args.path, join(ROOT, args.suffix?.slice(1) ?? ''));
      return {
        contents: names
          ? `const m = require(${JSON.stringify(args.path)});\n${names.map((n) => `export const ${n} = m.${n};`).join('\n')}`
          : `module.exports = require(${JSON.stringify(args.path)});`,
        loader: 'js',
      };
    });
  },
};

/**
 * The names `importer` takes from the built-in `builtin` as `import { a, b as c } from …`, when
 * that is the only way it imports it and each name is a plain value of the module (no getter:
 * `fs.promises` loads its module when read). Its stand-in then exports just those: a CommonJS
 * stand-in is wrapped by esbuild's interop, which defines a getter for every export of the
 * module (about a hundred for node:fs) in each of the thirty-odd modules that import one, about
 * 5 ms of every start. Undefined otherwise (namespace, default or side-effect imports).
 */
function plainImports(builtin: string, importer: string): string[] | undefined {
  let text: string;
  try {
    text = readFileSync(importer, 'utf8');
  } catch {
    return undefined;
  }
  const exported = createRequire(import.meta.url)(builtin) as Record<string, unknown>;
  const quoted = `['"]${builtin.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}['"]`;
  const names = new Set<string>();
  for (const [, clause] of text.matchAll(
    // Statements start lines in tsc's output (comments do not): `import <clause> from '<builtin>'`.
    new RegExp(`^import\\s+([^;]*?)\\s*from\\s*${quoted}`, 'gm'),
  )) {
    const braces = /^\{([^}]*)\}$/.exec(clause!.trim());
    if (!braces) return undefined;
    for (const part of braces[1]!.split(',')) {
      const name = part.trim().split(/\s+as\s+/)[0]!;
      if (!name) continue;
      const own = Object.getOwnPropertyDescriptor(exported, name);
      if (!own || !('value' in own) || !/^[A-Za-z_$][\w$]*$/.test(name)) return undefined;
      names.add(name);
    }
  }
  // A bare import, or a dynamic one, takes the module whole.
  if (new RegExp(`import\\s*(\\(\\s*)?${quoted}`).test(text)) return undefined;
  return names.size > 0 ? [...names] : undefined;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The parser thread's file in dist/bin (src/tokens/pool.ts starts it). */
const PARSE_WORKER = 'parse-worker.cjs';
const OUT = join(ROOT, 'dist/bin');
const SRC = join(ROOT, 'dist/src');

/**
 * Small modules that nearly every command loads: the core types and errors, the terminal guard,
 * config locations and defaults, secret masking, logging's shell (pino itself loads on first
 * use), time zones, the `--json` writer. About 35 KB in all, they import only each other and
 * node's built-ins (checked below).
 */
const COMMON = [
  ...readdirSync(join(SRC, 'core'))
    .filter((name) => name.endsWith('.js'))
    .map((name) => `core/${name}`),
  ...['color', 'terminal', 'inert', 'number', 'json-fields', 'order', 'plural'].map(
    (name) => `render/${name}.js`,
  ),
  ...['locate', 'locations', 'paths', 'defaults', 'weights', 'machine', 'load-defaults'].map(
    (name) => `config/${name}.js`,
  ),
  'redact.js',
  'logging.js',
  'log-format.js',
  'time/zone.js',
  'files/folders.js',
  'commands/json-output.js',
].map((file) => join(SRC, file));
const COMMON_ID = 'radar-common';

/**
 * The COMMON modules as one chunk, not one chunk each. esbuild puts each module in the chunk of
 * the set of entry points that reach it (the executable, the worker entries, and every module
 * some code imports dynamically: each command, the context, ...). Each small shared module is
 * reached by a set of its own, so each was a chunk of its own: a re-ingest loaded fourteen
 * chunks under 2 KB, and every ES module costs node about half a millisecond (resolve, read,
 * compile, link, evaluate), whatever its size. Here every other file of radar also imports one
 * module that imports them all, so every entry point reaches all of them: one set, one chunk.
 * None of them may be imported dynamically (that makes it an entry point, and a chunk, of its
 * own): program.ts and doctor.ts import them statically.
 */
const commonChunk: Plugin = {
  name: 'common-chunk',
  setup(b) {
    const members = new Set(COMMON);
    b.onResolve({ filter: new RegExp(`^${COMMON_ID}$`) }, () => ({
      path: COMMON_ID,
      namespace: COMMON_ID,
    }));
    b.onLoad({ filter: /.*/, namespace: COMMON_ID }, () => ({
      contents: COMMON.map((file) => `import ${JSON.stringify(file)};`).join('\n'),
      loader: 'js',
      resolveDir: SRC,
    }));
    b.onLoad({ filter: /\.js$/ }, (args) => {
      if (!args.path.startsWith(SRC + sep) || members.has(args.path)) return undefined;
      const text = readFileSync(args.path, 'utf8');
      return {
        contents: `${text}\nimport ${JSON.stringify(COMMON_ID)};\n`,
        loader: 'js',
        resolveDir: dirname(args.path),
      };
    });
  },
};

/** A COMMON module that imports anything else would bring it into every command's start-up. */
function checkCommon(metafile: Metafile): void {
  const members = new Set(COMMON.map((file) => relative(ROOT, file).split(sep).join('/')));
  for (const member of members) {
    const input = metafile.inputs[member];
    if (!input) throw new Error(`bundle: ${member} (in COMMON) is not part of the bundle`);
    for (const { path } of input.imports)
      if (!members.has(path) && !path.startsWith('radar-builtin:'))
        throw new Error(`bundle: ${member} (in COMMON) imports ${path}: keep COMMON small`);
  }
}

/**
 * What this build is made of: every module the bundle reads and the locked versions of the
 * packages it takes in. A config validated by one build is kept for that build only
 * (src/config/cache.ts): any change to radar or to a package makes a new one.
 */
function buildId(): string {
  const hash = createHash('sha256');
  const files = (readdirSync(SRC, { recursive: true }) as string[])
    .filter((name) => name.endsWith('.js'))
    .sort();
  for (const name of files)
    hash
      .update(`${name}\0`)
      .update(readFileSync(join(SRC, name)))
      .update('\0');
  hash.update(readFileSync(join(ROOT, 'package-lock.json')));
  return hash.digest('base64url').slice(0, 22);
}

rmSync(OUT, { recursive: true, force: true });
const { metafile } = await build({
  absWorkingDir: ROOT,
  entryPoints: {
    cli: 'dist/src/cli.js',
    watchdog: 'dist/src/process/watchdog.js',
    'fake-agent': 'dist/src/demo/agents/fake-agent.js',
  },
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunk-[hash]',
  // ES module builds first: some packages' "main" is a UMD build that requires its own files at
  // run time (jsonc-parser), which a bundle cannot serve.
  mainFields: ['module', 'main'],
  external: ['pino', '@pydantic/genai-prices', '@octokit/graphql-schema'],
  // CommonJS packages inside the bundle (commander) require node's built-ins.
  banner: {
    js: "import { createRequire as radarCreateRequire } from 'node:module'; const require = radarCreateRequire(import.meta.url);",
  },
  // Less for node to read and parse at every start; names stay, so stack traces still read.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
  plugins: [deferChildProcess, nodeHasWebStreams, requireBuiltins, commonChunk],
  metafile: true,
  define: {
    RADAR_BUILD_ID: JSON.stringify(buildId()),
    RADAR_PARSE_WORKER: JSON.stringify(PARSE_WORKER),
  },
});
checkCommon(metafile);

/**
 * The parser thread's entry, one CommonJS file of its own: a worker started from an ES module
 * boots node's ES module loader and then resolves, links and evaluates its chunks, and the
 * thread is the critical path of a first ingest from the moment it starts. As one CommonJS
 * file it answers its first job about 15 ms sooner (65 ms after it is created instead of 80).
 * Its code is a copy of what the chunks hold (about 45 KB), read by the worker only.
 */
await build({
  absWorkingDir: ROOT,
  entryPoints: { [PARSE_WORKER.replace(/\.cjs$/, '')]: 'dist/src/tokens/parse-worker.js' },
  outdir: OUT,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  mainFields: ['module', 'main'],
  // import.meta.url (a module's own location, for createRequire) is the file's.
  banner: { js: "const radarModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  define: { 'import.meta.url': 'radarModuleUrl' },
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
