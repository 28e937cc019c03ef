import { build, type Plugin } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `node dist/scripts/bundle.js` (part of `npm run build`): the shipped executable, dist/bin/cli.js,
 * bundled from tsc's output. Node resolves, reads and compiles every ES module of a start-up on
 * its own, about half a millisecond each; radar's cron paths (`radar ingest` of unchanged files, a
 * report) load some sixty of them, a third of their whole run. Bundled, a command loads a few
 * chunks. Each command still loads only its own code: dynamic imports become separate chunks.
 *
 * Entry points that radar starts by path (the parse worker thread, an agent session's watchdog,
 * the demo's fake agent) are entries of their own, beside the chunks, so
 * `new URL('./x.js', import.meta.url)` finds them.
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
 */
const requireBuiltins: Plugin = {
  name: 'require-builtins',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) =>
      // The stand-in's own require is node's.
      args.namespace === 'radar-builtin'
        ? { path: args.path, external: true }
        : { path: args.path, namespace: 'radar-builtin' },
    );
    b.onLoad({ filter: /.*/, namespace: 'radar-builtin' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const OUT = join(ROOT, 'dist/bin');

rmSync(OUT, { recursive: true, force: true });
await build({
  absWorkingDir: ROOT,
  entryPoints: {
    cli: 'dist/src/cli.js',
    'parse-worker': 'dist/src/tokens/parse-worker.js',
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
  plugins: [deferChildProcess, nodeHasWebStreams, requireBuiltins],
});
