// @ts-check
/**
 * Local ESLint rules that guard the folder boundaries of src/. They resolve each relative import against
 * the importing file, so `'../store'` from src/ecs/x.ts and `'../../store/db'` from src/ecs/diagnosis/x.ts
 * are the same edge, which a pattern on the written import string cannot tell from depth alone.
 *
 * A *unit* of src/ is a top-level folder (`store`, `alarms`) or a file at the root (`config.ts`). The
 * folders listed as core and the root files are the shared core, except the composition root (app.ts,
 * features.ts and the entry points), which may import anything; every other folder is a feature,
 * including the ones not written yet.
 */
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

/** @typedef {{ src?: string, core: string[], compositionRoot: string[], entries?: string[],
 *   forbid: { from: string[], to: string[], because: string }[] }} BoundaryOptions */

/** The unit of an absolute path under `srcDir` (`store`, `config.ts`), or undefined outside it. */
function unitOf(srcDir, abs) {
  const rel = path.relative(srcDir, abs);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  const parts = rel.split(path.sep);
  if (parts.length > 1 || isDir(path.join(srcDir, parts[0]))) return parts[0];
  return parts[0].replace(/\.[cm]?[jt]sx?$/, '') + '.ts';
}

const dirs = new Map();
function isDir(p) {
  if (!dirs.has(p)) dirs.set(p, fs.existsSync(p) && fs.statSync(p).isDirectory());
  return dirs.get(p);
}

/** The file an import names inside its unit (`approvals/render/card`), without extension or `/index`. */
function targetOf(srcDir, abs) {
  return path
    .relative(srcDir, abs)
    .split(path.sep)
    .join('/')
    .replace(/\.[cm]?[jt]sx?$/, '')
    .replace(/\/index$/, '');
}

/** The source folder: the `src` option, relative to the working directory (ESLint's cwd). */
function srcDirOf(context, options) {
  return path.resolve(context.cwd, options.src ?? 'src');
}

/** Every module specifier of a file: imports, re-exports, `import x = require()`, `import()` and `require()`. */
function specifiersOf(program) {
  /** @type {{ value: string, node: any }[]} */
  const out = [];
  const visit = (node) => {
    if (!node || typeof node.type !== 'string') return;
    if (
      (node.type === 'ImportDeclaration' ||
        node.type === 'ExportNamedDeclaration' ||
        node.type === 'ExportAllDeclaration' ||
        node.type === 'ImportExpression') &&
      node.source?.type === 'Literal' &&
      typeof node.source.value === 'string'
    ) {
      out.push({ value: node.source.value, node: node.source });
    } else if (
      node.type === 'TSExternalModuleReference' &&
      node.expression?.type === 'Literal' &&
      typeof node.expression.value === 'string'
    ) {
      out.push({ value: node.expression.value, node: node.expression });
    } else if (
      node.type === 'CallExpression' &&
      node.callee.type === 'Identifier' &&
      node.callee.name === 'require' &&
      node.arguments[0]?.type === 'Literal' &&
      typeof node.arguments[0].value === 'string'
    ) {
      out.push({ value: node.arguments[0].value, node: node.arguments[0] });
    }
    for (const key of Object.keys(node)) {
      if (key === 'parent') continue;
      const child = node[key];
      if (Array.isArray(child)) child.forEach(visit);
      else if (child && typeof child.type === 'string') visit(child);
    }
  };
  visit(program);
  return out;
}

/** @type {import('eslint').Rule.RuleModule} */
const boundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'What each folder of src/ may import: core, domain and feature boundaries.' },
    schema: [{ type: 'object', additionalProperties: true }],
    messages: {
      forbidden: '{{from}} must not import {{to}} ({{target}}): {{because}}',
      coreImportsFeature:
        'core {{from}} must not import the feature {{to}} ({{target}}): the shared core knows no feature; ' +
        'pass what it needs in from the feature instead',
      notThroughEntry:
        'feature {{from}} imports {{target}}: another feature is reached only through its declared entry ' +
        '({{entries}})',
    },
  },
  create(context) {
    const options = /** @type {BoundaryOptions} */ (context.options[0]);
    const srcDir = srcDirOf(context, options);
    const from = unitOf(srcDir, context.filename);
    if (!from || options.compositionRoot.includes(from)) return {};
    const root = new Set(options.compositionRoot);
    const isCore = (unit) => options.core.includes(unit) || (unit.endsWith('.ts') && !root.has(unit));
    const isFeature = (unit) => !isCore(unit) && !root.has(unit);
    return {
      Program(program) {
        for (const { value, node } of specifiersOf(program)) {
          if (!value.startsWith('.')) continue;
          const abs = path.resolve(path.dirname(context.filename), value);
          const to = unitOf(srcDir, abs);
          if (!to || to === from) continue;
          const target = targetOf(srcDir, abs);
          const rule = options.forbid.find((f) => f.from.includes(from) && f.to.includes(to));
          if (rule) {
            context.report({ node, messageId: 'forbidden', data: { from, to, target, because: rule.because } });
          } else if (isCore(from) && isFeature(to)) {
            context.report({ node, messageId: 'coreImportsFeature', data: { from, to, target } });
          } else if (
            options.entries &&
            isFeature(from) &&
            isFeature(to) &&
            !options.entries.some((e) => target === `${to}/${e.replace(/\.ts$/, '')}`)
          ) {
            context.report({
              node,
              messageId: 'notThroughEntry',
              data: { from, target, entries: options.entries.map((e) => `${to}/${e}`).join(', ') },
            });
          }
        }
      },
    };
  },
};

/** The unit graph of the files on disk, built once per run (per source folder). */
const diskGraphs = new Map();

function tsFiles(dir) {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? tsFiles(path.join(dir, e.name))
        : /\.[cm]?ts$/.test(e.name) && !e.name.endsWith('.d.ts')
          ? [path.join(dir, e.name)]
          : [],
    );
}

/** Map of file → the units it imports (relative imports inside src only, type imports included). */
function diskGraph(srcDir) {
  let g = diskGraphs.get(srcDir);
  if (g) return g;
  g = new Map();
  for (const file of fs.existsSync(srcDir) ? tsFiles(srcDir) : []) {
    const info = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
    g.set(
      file,
      info.importedFiles.map((f) => f.fileName),
    );
  }
  diskGraphs.set(srcDir, g);
  return g;
}

/** Strongly connected components (Tarjan) of a unit graph; returns unit → component id. */
function components(edges) {
  const index = new Map();
  const low = new Map();
  const comp = new Map();
  const stack = [];
  const onStack = new Set();
  let next = 0;
  let compId = 0;
  const strong = (v) => {
    index.set(v, next);
    low.set(v, next);
    next += 1;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v) === index.get(v)) {
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        comp.set(w, compId);
      } while (w !== v);
      compId += 1;
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) strong(v);
  return comp;
}

/** A shortest path of units from `a` to `b` (breadth first), both included. */
function pathBetween(edges, a, b) {
  const prev = new Map([[a, a]]);
  const queue = [a];
  while (queue.length) {
    const v = queue.shift();
    if (v === b) break;
    for (const w of edges.get(v) ?? []) {
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  if (!prev.has(b)) return [];
  const out = [b];
  while (out[0] !== a) out.unshift(prev.get(out[0]));
  return out;
}

/** @type {import('eslint').Rule.RuleModule} */
const noFolderCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'No import cycle between the folders (and root files) of src/.' },
    schema: [{ type: 'object', properties: { src: { type: 'string' } }, additionalProperties: false }],
    messages: {
      cycle: 'folder import cycle: {{cycle}} (this import is the edge {{from}} → {{to}})',
    },
  },
  create(context) {
    const options = context.options[0] ?? {};
    const srcDir = srcDirOf(context, options);
    const self = path.resolve(context.filename);
    const from = unitOf(srcDir, self);
    if (!from) return {};
    return {
      Program(program) {
        // The linted text stands in for this file's copy on disk, so an edit (or a fixture) counts as written.
        const mine = specifiersOf(program).filter((s) => s.value.startsWith('.'));
        /** @type {Map<string, Set<string>>} */
        const edges = new Map();
        const add = (a, b) => {
          if (!a || !b || a === b) return;
          if (!edges.has(a)) edges.set(a, new Set());
          if (!edges.has(b)) edges.set(b, new Set());
          edges.get(a).add(b);
        };
        for (const [file, specs] of diskGraph(srcDir)) {
          if (file === self) continue;
          for (const s of specs) {
            if (s.startsWith('.')) add(unitOf(srcDir, file), unitOf(srcDir, path.resolve(path.dirname(file), s)));
          }
        }
        for (const s of mine) add(from, unitOf(srcDir, path.resolve(path.dirname(self), s.value)));
        const comp = components(edges);
        const reported = new Set();
        for (const { value, node } of mine) {
          const to = unitOf(srcDir, path.resolve(path.dirname(self), value));
          if (!to || to === from || comp.get(to) !== comp.get(from) || reported.has(to)) continue;
          reported.add(to);
          const back = pathBetween(edges, to, from);
          context.report({ node, messageId: 'cycle', data: { cycle: [from, ...back].join(' → '), from, to } });
        }
      },
    };
  },
};

module.exports = {
  meta: { name: 'house' },
  rules: { boundaries, 'no-folder-cycle': noFolderCycle },
};
