// The registry is the one list of audit events: every pair well formed and unique, the events the
// product promises present, and every event in the source — `auditEvent(type, code)` calls and
// object literals with an `event:` field — of a registered (type, code) pair, found by scanning the
// source so that a new emit site cannot slip by.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EVENT_REGISTRY, isRegisteredPair } from './registry.js';

const SRC = join(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'testing' ? [] : sourceFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

describe('audit event registry', () => {
  it('has well-formed, unique (type, code) pairs', () => {
    const seen = new Set<string>();
    for (const { type, code, title } of EVENT_REGISTRY) {
      expect(type).toMatch(/^[a-z0-9_]+([.-][a-z0-9_]+)*$/);
      expect(code).toMatch(/^[A-Z][A-Z0-9]{3,9}[IWES]$/);
      expect(title.length).toBeGreaterThan(3);
      const pair = `${type} ${code}`;
      expect(seen.has(pair), pair).toBe(false);
      seen.add(pair);
    }
  });

  it("holds Teleport's codes for the events this product records", () => {
    const expected: [string, string][] = [
      ['user.login', 'T1000I'], ['user.login', 'T1000W'], ['user.create', 'T1002I'], ['user.update', 'T1003I'],
      ['user.delete', 'T1004I'], ['user.password_change', 'T1005I'], ['mfa.add', 'T1006I'], ['session.start', 'T2000I'],
      ['session.end', 'T2004I'], ['session.upload', 'T2005I'], ['session.data', 'T2006I'], ['subsystem', 'T3001I'],
      ['exec', 'T3002I'], ['exec', 'T3002E'], ['port', 'T3003E'], ['port.local', 'T3003I'], ['port.remote', 'T3003S'],
      ['scp', 'T3004I'], ['scp', 'T3005I'], ['client.disconnect', 'T3006I'], ['auth', 'T3007W'],
      ['reset_password_token.create', 'T6000I'], ['join_token.create', 'TJT00I'], ['instance.join', 'TJ002I'],
      ['instance.join', 'TJ002E'], ['role.created', 'T9000I'], ['role.deleted', 'T9001I'], ['role.updated', 'T9002I'],
      ['lock.created', 'TLK00I'], ['lock.deleted', 'TLK01I'], ['cert.create', 'TC000I'], ['github.updated', 'T80002I'],
      ['auth_preference.update', 'TCAUTH001I'],
    ];
    for (const [type, code] of expected) expect(isRegisteredPair(type, code), `${type} ${code}`).toBe(true);
    expect(isRegisteredPair('user.login', 'T2000I')).toBe(false);
  });

  it('every event in the source has a registered type and code, whether built by auditEvent() or written out', () => {
    const calls: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const rel = relative(SRC, file);
      if (rel === join('events', 'event.ts')) continue; // The constructor itself.
      const text = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
      const all = text.match(/\bauditEvent\(/g)?.length ?? 0;
      const literal = [...text.matchAll(/\bauditEvent\(\s*'([^']+)',\s*(?:'([^']+)'|(code))/g)];
      expect(literal.length, `${rel}: every auditEvent() call names its type as a literal`).toBe(all);
      for (const m of literal) {
        const [, type, code] = m;
        if (code !== undefined) expect(isRegisteredPair(type, code), `${rel}: ${type} ${code}`).toBe(true);
        else expect(EVENT_REGISTRY.some((e) => e.type === type), `${rel}: ${type}`).toBe(true);
        calls.push(`${type} ${code ?? '*'}`);
      }
      // Events written as object literals (views such as the web UI's recordings list, recording
      // streams) must still use registered types, and registered codes for them; `print` chunks
      // exist only inside recordings.
      for (const m of text.matchAll(/\bevent:\s*'([a-z0-9_.-]+)'([^}]{0,200})/g)) {
        const [, type, rest] = m;
        if (type === 'print') continue;
        expect(EVENT_REGISTRY.some((e) => e.type === type), `${rel}: unregistered event ${type}`).toBe(true);
        const code = /\bcode:\s*'([A-Z0-9]+)'/.exec(rest)?.[1];
        if (code) expect(isRegisteredPair(type, code), `${rel}: ${type} ${code}`).toBe(true);
      }
    }
    // The scan found the emit sites (auth, node, proxy): it is looking in the right place.
    for (const needed of ['user.login T1000W', 'session.start T2000I', 'exec T3002I', 'auth T3007W', 'role.created T9000I', 'instance.join TJ002I']) {
      expect(calls).toContain(needed);
    }
  });
});
