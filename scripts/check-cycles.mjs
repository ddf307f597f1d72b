#!/usr/bin/env node
/**
 * `npm run check:cycles`: fails (exit 1) on
 *   1. import cycles between source files under src/, and
 *   2. imports that break the layer table of DESIGN.md (a layer imports only the layers above it).
 *
 * The graph comes from madge 8 (dependency-tree + detective-typescript, resolved with tsconfig.json).
 * What counts as an import:
 *   - `import … from`, `export … from`, `export * from`, side-effect `import './x.js'`,
 *     and dynamic `import('./x.js')` (a lazy import of a higher layer still breaks the layering);
 *   - NOT `import type …`, `export type …`, `export type * from`, `import('./x.js').T` in types
 *     (madge's `skipTypeImports`): they are erased at compile time and may point anywhere.
 *   - `import { type A, type B } from './x.js'` (only inline `type` specifiers) DOES count here,
 *     although detective-typescript treats it as type-only: under `verbatimModuleSyntax` (our
 *     tsconfig) TypeScript and esbuild emit it as `import {} from './x.js'`, which loads the module.
 *     Write `import type { A, B }` instead.
 * Test files (`*.test.ts`, `*.test-d.ts`) are composition roots and are not scanned.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import madge from 'madge';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = path.join(root, 'src');

/** DESIGN.md's layer table: folder under src/ → the folders it may import (besides itself). */
const ALLOWED = {
  core: [],
  signals: ['core'],
  db: ['core'],
  models: ['core', 'signals', 'db'],
  query: ['core', 'signals', 'db', 'models'],
  session: ['core', 'signals', 'db', 'models', 'query'],
  contenttypes: ['core', 'signals', 'db', 'models', 'query', 'session'],
  forms: ['core', 'models', 'query'],
  migrations: ['core', 'signals', 'db', 'models'],
  http: ['core', 'signals', 'db', 'models', 'query', 'session', 'contenttypes', 'forms', 'migrations'],
  cli: ['core', 'signals', 'db', 'models', 'query', 'session', 'contenttypes', 'forms', 'migrations', 'http'],
};
/** Composition roots: may import anything (top-level files of src/ are roots too). */
const ROOT_FOLDERS = new Set(['testing']);

/** Adds back imports whose specifiers are all inline `type` (see the header): they load the module. */
function onAfterFile({ ast, dependencies }) {
  for (const node of ast.body ?? []) {
    const isImport = node.type === 'ImportDeclaration' && node.importKind !== 'type';
    const isExport = node.type === 'ExportNamedDeclaration' && node.exportKind !== 'type' && node.source;
    if (!isImport && !isExport) continue;
    const kindKey = isImport ? 'importKind' : 'exportKind';
    const specifiers = node.specifiers ?? [];
    if (specifiers.length > 0 && specifiers.every((s) => s[kindKey] === 'type') && !dependencies.includes(node.source.value)) {
      dependencies.push(node.source.value);
    }
  }
}

const detective = { skipTypeImports: true, onAfterFile };
const result = await madge(srcDir, {
  baseDir: srcDir,
  fileExtensions: ['ts', 'tsx'],
  tsConfig: path.join(root, 'tsconfig.json'),
  excludeRegExp: [/\.test\.tsx?$/, /\.test-d\.ts$/],
  detectiveOptions: { ts: detective, tsx: detective },
});

const graph = result.obj();
const files = Object.keys(graph).sort();
const problems = [];

// Unresolved local imports make the graph incomplete: report them rather than pass silently.
const skipped = result.warnings().skipped.filter((s) => s.startsWith('.'));
for (const spec of skipped) problems.push(`unresolved import '${spec}' (madge could not resolve it; the check would be incomplete)`);

const toPosix = (p) => p.split(path.sep).join('/');
const layerOf = (file) => {
  const rel = toPosix(file);
  if (rel.startsWith('../')) return { kind: 'outside' };
  const parts = rel.split('/');
  if (parts.length === 1 || ROOT_FOLDERS.has(parts[0])) return { kind: 'root' };
  return { kind: parts[0] in ALLOWED ? 'layer' : 'unknown', name: parts[0] };
};

/** The 1-based line of `from` that imports `to` (best effort, for the message). */
function importLine(from, to) {
  const abs = path.join(srcDir, from);
  const lines = readFileSync(abs, 'utf8').split('\n');
  const target = path.join(srcDir, to);
  for (let i = 0; i < lines.length; i++) {
    for (const match of lines[i].matchAll(/['"](\.{1,2}\/[^'"]+)['"]/g)) {
      const resolved = path.resolve(path.dirname(abs), match[1]);
      const candidates = [resolved, resolved.replace(/\.m?js$/, '.ts'), resolved.replace(/\.m?js$/, '.tsx'), `${resolved}.ts`, path.join(resolved, 'index.ts')];
      if (candidates.includes(target)) return i + 1;
    }
  }
  return undefined;
}

// ---- layers -------------------------------------------------------------------------------------
const layerViolations = [];
/** `functions/` (serverless handlers), which DESIGN.md lets the Worker entry `src/worker.ts` wire. */
const isFunctions = (file) => toPosix(path.relative(root, path.join(srcDir, file))).startsWith('functions/');
for (const from of files) {
  const source = layerOf(from);
  if (source.kind === 'outside') continue; // functions/ and examples/ (reached from src/worker.ts) use the package, not its layers
  if (source.kind === 'unknown') {
    problems.push(`src/${toPosix(from)}: folder '${source.name}' is not in DESIGN.md's layer table (add it there and to ALLOWED in scripts/check-cycles.mjs)`);
    continue;
  }
  for (const to of graph[from]) {
    const target = layerOf(to);
    if (target.kind === 'outside') {
      if (source.kind === 'root' && isFunctions(to)) continue;
      layerViolations.push(`src/${toPosix(from)} imports ${path.relative(root, path.join(srcDir, to)).split(path.sep).join('/')}, outside src/`);
      continue;
    }
    if (source.kind !== 'layer') continue;
    if (target.kind === 'root') {
      layerViolations.push(`src/${toPosix(from)}:${importLine(from, to) ?? '?'} (${source.name}) imports src/${toPosix(to)}, a composition root`);
      continue;
    }
    if (target.name === source.name || ALLOWED[source.name].includes(target.name)) continue;
    const allowed = ALLOWED[source.name].length ? ALLOWED[source.name].join(', ') : 'nothing';
    layerViolations.push(`src/${toPosix(from)}:${importLine(from, to) ?? '?'} (${source.name}) imports src/${toPosix(to)} (${target.name}); ${source.name} may import: ${allowed}`);
  }
}
problems.push(...layerViolations);

// ---- cycles -------------------------------------------------------------------------------------
const cycles = result.circular();
for (const cycle of cycles) {
  problems.push(`import cycle: ${[...cycle, cycle[0]].map((f) => `src/${toPosix(f)}`).join(' -> ')}`);
}

const edges = files.reduce((n, f) => n + graph[f].length, 0);
if (problems.length > 0) {
  console.error(`check:cycles: ${problems.length} problem(s) in ${files.length} files under src/ (type-only imports ignored):`);
  for (const problem of problems) console.error(`  - ${problem}`);
  console.error('Break a cycle or a layer violation with `import type` or a port in src/core (see DESIGN.md, Layers).');
  process.exit(1);
}
console.log(`check:cycles: ok: ${files.length} files, ${edges} runtime imports under src/, no cycles, layers as in DESIGN.md.`);
