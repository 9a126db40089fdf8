import { dirname, relative, resolve, sep } from 'node:path';

/**
 * `sunshare/module-boundaries`: a module in one top-level folder imports another
 * top-level folder only through that folder's public entries (the rule itself
 * is described in eslint.config.js). Checks static imports, `export ... from`,
 * dynamic `import()`, `import('...')` types and `vi.mock()`-style paths; only
 * relative specifiers (packages are not folders of this repo).
 */
const ROOT = import.meta.dirname;

/** Test code may import `testing` entries: tests, benches, test helpers, the soak and fuzzers. */
const isTestCode = (file) => /\.test\.ts$|(^|\/)(testing|bench)(\/|\.ts$)|(^|\/)bench-[^/]*$|(^|\/)test-[^/]*$|^reliability\/|^bench\//.test(file);

/** Why `target` may not be imported from `source` (both relative to the repo root, `/`-separated), or undefined if it may. */
export function boundaryProblem(source, target) {
  const from = source.split('/');
  const to = target.split('/');
  if (from.length < 2 || to.length < 2 || to[0] === '..' || from[0] === to[0]) return undefined;
  const [folder] = to;
  const rest = to.slice(1).join('/');
  if (rest === 'testing/index.ts') return isTestCode(source) ? undefined : `${target} is for tests, benches and the soak only`;
  if (rest === 'index.ts') return undefined;
  if (folder === 'common' && ((/^[^/]+\.ts$/.test(rest) && !rest.endsWith('.test.ts')) || /^[^/]+\/index\.ts$/.test(rest))) return undefined;
  if (folder === 'bin' && rest === 'sunshare.ts') return undefined;
  if (from[0] === 'bin' && rest === 'cli.ts') return undefined;
  const entries = folder === 'common' ? 'common/<module>.ts or common/<sub>/index.ts' : `${folder}/index.ts${from[0] === 'bin' ? ` or ${folder}/cli.ts` : ''} (or ${folder}/testing/index.ts in tests)`;
  return `${target} is internal to ${folder}/: import ${entries}`;
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'Cross-folder imports go through the other folder\'s index.ts (tests: testing/index.ts)' },
    schema: [],
    messages: { deep: '{{problem}}' },
  },
  create(context) {
    const file = relative(ROOT, context.filename).split(sep).join('/');
    if (file.startsWith('..')) return {};
    const check = (node, spec) => {
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const target = relative(ROOT, resolve(dirname(context.filename), spec)).split(sep).join('/');
      const problem = boundaryProblem(file, target);
      if (problem) context.report({ node, messageId: 'deep', data: { problem } });
    };
    const literal = (n) => (n?.type === 'Literal' ? n.value : n?.type === 'TemplateLiteral' && n.expressions.length === 0 ? n.quasis[0].value.cooked : undefined);
    return {
      ImportDeclaration: (n) => check(n.source, n.source.value),
      ExportAllDeclaration: (n) => check(n.source, n.source.value),
      ExportNamedDeclaration: (n) => n.source && check(n.source, n.source.value),
      ImportExpression: (n) => check(n.source, literal(n.source)),
      TSImportType: (n) => check(n, literal(n.argument?.literal ?? n.argument)),
      CallExpression(n) {
        const c = n.callee;
        if (c.type === 'MemberExpression' && c.object.type === 'Identifier' && c.object.name === 'vi' && ['mock', 'doMock', 'importActual', 'importMock'].includes(c.property.name)) check(n.arguments[0], literal(n.arguments[0]));
      },
    };
  },
};

export default { rules: { 'module-boundaries': rule } };
