// The import boundaries of DESIGN.md are ESLint rules (eslint.config.js); this test lints planted
// violations of each, as files placed in each room, so a rule that stops resolving, a config block
// that replaces another's setting, or a glob that no longer matches fails here instead of passing
// silently. The planted files exist only as text given to ESLint: type-aware rules are switched off
// for them (the layer rules need no type information), everything else is the repository's config.
import { build } from 'esbuild';
import { ESLint } from 'eslint';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const LAYER_RULES = ['import-x/no-restricted-paths', 'layers/runtime-paths', 'import-x/no-unresolved', 'no-restricted-syntax'];

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: root, overrideConfig: [tseslint.configs.disableTypeChecked] });
});

/** The layer-rule findings for `code` placed at `file` (relative to the repository), as `line rule`. */
async function findings(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, file) });
  const fatal = result!.messages.filter((m) => m.fatal);
  expect(fatal.map((m) => m.message), `${file} parses`).toEqual([]);
  return result!.messages.filter((m) => LAYER_RULES.includes(m.ruleId ?? '')).map((m) => `${m.line} ${m.ruleId} ${m.message}`);
}

interface Planted {
  file: string;
  code: string;
  /** A fragment of the boundary's message; `null` for imports that must pass. */
  refused: string | null;
}

const CLIENT = 'client code reaches servers only through src/api';
const API = 'src/api imports nothing else of ours';
const WEB = 'web/ imports only web/ and src/api';
const SSH2 = 'only src/sshutils imports ssh2';
const PROXY = 'a proxy-only process must not load auth-server code';

const cases: Planted[] = [
  // Client code never imports server rooms: static, folder (index resolved), dynamic, type-only.
  { file: 'src/client/planted.ts', code: "import '../auth/index.js';\n", refused: CLIENT },
  { file: 'src/client/planted.ts', code: "import '../auth';\n", refused: CLIENT },
  { file: 'src/client/planted.ts', code: "export async function f() {\n  return import('../node/node-service.js');\n}\n", refused: CLIENT },
  { file: 'src/client/planted.ts', code: "import type { Backend } from '../backend/index.js';\nexport type B = Backend;\n", refused: CLIENT },
  { file: 'src/client/planted.ts', code: "export * from '../services/index.js';\n", refused: CLIENT },
  { file: 'src/cli/tsh/planted.ts', code: "import '../../proxy/index.js';\n", refused: CLIENT },
  { file: 'src/cli/tctl/planted.ts', code: "import '../../service';\n", refused: CLIENT },
  { file: 'src/cli/framework/planted.ts', code: "import '../../events/index.js';\n", refused: CLIENT },
  { file: 'src/cli/tsh/planted.ts', code: "import '../teleport/main.js';\n", refused: CLIENT },
  { file: 'src/client/planted.test.ts', code: "import '../recordings/index.js';\n", refused: CLIENT },
  // ... and may import the API, the certificate rooms, the SSH adapter and the config reader.
  {
    file: 'src/client/planted.ts',
    code: "import '../api/errors.js';\nimport '../tlsca/index.js';\nimport '../sshca/index.js';\nimport '../sshutils/index.js';\nimport '../config/index.js';\nimport '../disk/index.js';\n",
    refused: null,
  },
  { file: 'src/cli/tsh/planted.ts', code: "import '../framework/index.js';\nimport '../../client/index.js';\n", refused: null },
  // src/api imports nothing else of ours; src/api/client is API code, not client code.
  { file: 'src/api/planted.ts', code: "import '../config/index.js';\n", refused: API },
  { file: 'src/api/client/planted.ts', code: "import '../../tlsca';\n", refused: API },
  { file: 'src/api/types/planted.test.ts', code: "import '../../../test/helpers/cluster.js';\n", refused: API },
  { file: 'src/api/client/planted.ts', code: "import '../errors.js';\nimport '../types/index.js';\n", refused: null },
  // ssh2 only in src/sshutils, tests included.
  { file: 'src/client/planted.ts', code: "import 'ssh2';\n", refused: SSH2 },
  { file: 'src/cli/tsh/planted.ts', code: "export async function f() {\n  return import('ssh2');\n}\n", refused: SSH2 },
  { file: 'src/cli/tctl/planted.ts', code: "import type { Client } from 'ssh2';\nexport type C = Client;\n", refused: SSH2 },
  { file: 'src/api/planted.ts', code: "import 'ssh2';\n", refused: SSH2 },
  { file: 'src/node/planted.test.ts', code: "import 'ssh2';\n", refused: SSH2 },
  { file: 'test/planted.test.ts', code: "import 'ssh2';\n", refused: SSH2 },
  { file: 'src/sshutils/planted.ts', code: "import 'ssh2';\n", refused: null },
  // One adapter per heavy library (production code; tests may drive the library).
  { file: 'src/auth/planted.ts', code: "import 'node-pty';\n", refused: 'only src/node imports node-pty' },
  { file: 'src/node/planted.ts', code: "import 'node-pty';\n", refused: null },
  { file: 'src/sshutils/planted.test.ts', code: "import 'node-pty';\n", refused: null },
  { file: 'src/auth/planted.ts', code: "import '@peculiar/x509';\n", refused: 'only src/tlsca imports @peculiar/x509' },
  { file: 'src/proxy/planted.ts', code: "import 'pino';\n", refused: 'only src/log imports pino' },
  { file: 'src/auth/planted.ts', code: "import 'prom-client';\n", refused: 'only src/service imports prom-client' },
  { file: 'src/proxy/planted.ts', code: "import '@node-rs/argon2';\n", refused: 'only src/auth imports' },
  { file: 'src/node/planted.ts', code: "import 'ws';\n", refused: 'only src/proxy imports ws' },
  { file: 'src/backend/memory/planted.ts', code: "import 'etcd3';\n", refused: 'only src/backend/etcd imports etcd3' },
  { file: 'src/backend/etcd/planted.ts', code: "import 'etcd3';\n", refused: null },
  { file: 'src/services/planted.ts', code: "import 'better-sqlite3';\n", refused: 'only src/backend/sqlite and src/events/sqlite' },
  { file: 'src/events/sqlite/planted.ts', code: "import 'better-sqlite3';\n", refused: null },
  { file: 'src/backend/planted.ts', code: "import 'pg';\n", refused: 'only src/backend/postgres and src/events/postgres' },
  { file: 'src/events/file/planted.ts', code: "import '@aws-sdk/client-dynamodb';\n", refused: 'only src/dynamodb, src/backend/dynamodb and src/events/dynamodb' },
  { file: 'src/dynamodb/planted.ts', code: "import '@aws-sdk/client-dynamodb';\n", refused: null },
  { file: 'src/events/dynamodb/planted.ts', code: "import '@aws-sdk/client-dynamodb';\n", refused: null },
  { file: 'src/recordings/planted.ts', code: "import '@aws-sdk/client-s3';\n", refused: 'only src/recordings/s3' },
  // web/ imports only web/ and src/api (through @api or a relative path).
  { file: 'web/src/features/Nodes/planted.tsx', code: "import '../../../../src/node/index.js';\n", refused: WEB },
  { file: 'web/src/services/planted.ts', code: "import '../../../src/config';\n", refused: WEB },
  { file: 'web/src/planted.ts', code: "import 'ssh2';\n", refused: SSH2 },
  { file: 'web/src/services/planted.ts', code: "import type { LoginRequest } from '@api/web-wire';\nexport type L = LoginRequest;\n", refused: null },
  { file: 'web/src/features/planted.ts', code: "import '../../../src/api/errors.js';\nimport '../services/http';\n", refused: null },
  // The proxy loads no auth-server code: `import type` declarations (erased) are the only way in.
  { file: 'src/proxy/planted.ts', code: "import { searchEvents } from '../auth/index.js';\nexport const s = searchEvents;\n", refused: PROXY },
  { file: 'src/proxy/planted.ts', code: "import '../auth';\n", refused: PROXY },
  { file: 'src/proxy/route/planted.ts', code: "export async function f() {\n  return import('../../auth/auth-service.js');\n}\n", refused: PROXY },
  { file: 'src/proxy/planted.ts', code: "import { type Caller } from '../auth/index.js';\nexport type C = Caller;\n", refused: PROXY },
  { file: 'src/proxy/planted.ts', code: "export { searchEvents } from '../auth/audit-api.js';\n", refused: PROXY },
  { file: 'src/proxy/planted.test.ts', code: "import '../auth/index.js';\n", refused: PROXY },
  { file: 'src/proxy/planted.ts', code: "import type { Caller } from '../auth/index.js';\nexport type C = Caller;\n", refused: null },
  { file: 'src/service/planted.ts', code: "import '../auth/index.js';\nimport '../proxy/index.js';\n", refused: null },
  // What the path rules cannot see is refused outright: computed import() and unresolved paths.
  { file: 'src/client/planted.ts', code: "export async function f(m: string) {\n  return import(m);\n}\n", refused: 'import() takes a string literal' },
  { file: 'src/client/planted.ts', code: "import '../nowhere/index.js';\n", refused: 'Unable to resolve path' },
];

describe('lint boundaries', () => {
  it.each(cases)('$file: $code', async ({ file, code, refused }) => {
    const found = await findings(file, code);
    if (refused === null) expect(found).toEqual([]);
    else {
      expect(found.length, `${file} refuses ${code}`).toBeGreaterThan(0);
      expect(found.join('\n')).toContain(refused);
    }
  });

  it('lints web/ with the React hooks rule', async () => {
    const code = "import { useState } from 'react';\nexport function f(x: boolean) {\n  if (x) useState(0);\n}\n";
    const [result] = await eslint.lintText(code, { filePath: join(root, 'web/src/features/planted.tsx') });
    expect(result!.messages.map((m) => m.ruleId)).toContain('react-hooks/rules-of-hooks');
  });
});

describe('the proxy at run time', () => {
  // The lint rule sees one import at a time; this follows them all, as the bundler does (static
  // and dynamic imports, `import type` erased), from the proxy's public surface.
  it('reaches no file of src/auth through any chain of imports', async () => {
    const r = await build({
      absWorkingDir: root,
      entryPoints: ['src/proxy/index.ts'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      write: false,
      metafile: true,
      outdir: 'out',
      logLevel: 'silent',
      packages: 'external',
    });
    const seen = new Set(['src/proxy/index.ts']);
    const queue = ['src/proxy/index.ts'];
    while (queue.length > 0) {
      for (const imp of r.metafile.inputs[queue.shift()!]?.imports ?? []) {
        if (seen.has(imp.path)) continue;
        seen.add(imp.path);
        queue.push(imp.path);
      }
    }
    expect([...seen].filter((f) => f.startsWith('src/auth/'))).toEqual([]);
    // Sanity: the graph is the real one.
    expect(seen).toContain('src/proxy/web/server.ts');
    expect(seen).toContain('src/httpserver/stream-response.ts');
  }, 30_000);
});

/** Every .ts/.tsx file under `dir` but tests, relative to the repository. */
function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.tsx?$/.test(f) && !/\.test\.tsx?$/.test(f) && !f.split('/').includes('node_modules'))
    .map((f) => join(dir, f));
}

/** The file a relative specifier names, as TypeScript resolves it here (`.js` to `.ts`, a folder to its index). */
function resolveLocal(from: string, spec: string, files: Set<string>): string | undefined {
  const base = relative(root, resolve(root, dirname(from), spec));
  const stem = base.replace(/\.(m?js|tsx?)$/, '');
  return [`${stem}.ts`, `${stem}.tsx`, join(base, 'index.ts'), join(base, 'index.tsx')].find((f) => files.has(f));
}

describe('import circles', () => {
  // ESLint's import-x/no-cycle skips `import type`, and every circle this tree had was a type
  // imported back into the file that imports it: so the check is here, over every kind of import.
  it('no files import each other in a loop, type-only imports included', () => {
    const files = new Set([...sources('src'), ...sources('web/src')]);
    const edges = new Map<string, string[]>();
    for (const f of files) {
      const info = ts.preProcessFile(readFileSync(join(root, f), 'utf8'), true, true);
      const targets = info.importedFiles.map((i) => i.fileName).filter((s) => s.startsWith('.'));
      edges.set(f, targets.map((s) => resolveLocal(f, s, files)).filter((t): t is string => t !== undefined));
    }
    // Tarjan's strongly connected components: any with two or more files is a circle.
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const circles: string[][] = [];
    const visit = (v: string): void => {
      index.set(v, index.size);
      low.set(v, index.get(v)!);
      stack.push(v);
      onStack.add(v);
      for (const w of edges.get(v) ?? []) {
        if (!index.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
      }
      if (low.get(v) === index.get(v)) {
        const scc: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          scc.push(w);
        } while (w !== v);
        if (scc.length > 1) circles.push(scc.sort());
      }
    };
    for (const f of files) if (!index.has(f)) visit(f);
    expect(circles).toEqual([]);
    // Sanity: the graph is the real one (the auth route table imports its route files).
    expect(edges.get('src/auth/routes.ts')).toContain('src/auth/recording-routes.ts');
    expect(files.size).toBeGreaterThan(300);
  });
});
