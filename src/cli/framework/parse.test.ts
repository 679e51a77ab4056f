import { describe, expect, it } from 'vitest';
import type { Invocation } from './args.js';
import { captureIO } from './io.js';
import { runApp } from './run-app.js';
import { sampleApp } from './testing/sample-app.js';

async function run(argv: string[], env: Record<string, string> = {}) {
  const c = captureIO({ env });
  const calls: Invocation[] = [];
  let globals: Record<string, unknown> | undefined;
  const code = await runApp(sampleApp, argv, c.io, (g) => {
    globals = g;
    return { globals: g, calls };
  });
  return { code, out: c.out(), err: c.err(), inv: calls[0], calls, globals };
}

describe('runApp parsing', () => {
  const cases: Array<{
    argv: string[];
    env?: Record<string, string>;
    command: string;
    flags?: Record<string, unknown>;
    args?: Record<string, unknown>;
    rest?: string[];
  }> = [
    { argv: ['users', 'add', 'alice', '--roles=access,editor'], command: 'users add', flags: { roles: ['access', 'editor'], ttl: 3_600_000, logins: [], debug: false }, args: { account: 'alice' } },
    { argv: ['users', 'add', '--roles', 'access', 'alice'], command: 'users add', flags: { roles: ['access'] }, args: { account: 'alice' } },
    { argv: ['-d', 'users', 'add', 'alice', '--roles=a'], command: 'users add', flags: { debug: true } },
    { argv: ['users', 'add', 'alice', '--roles=a', '-d'], command: 'users add', flags: { debug: true } },
    { argv: ['users', '--debug', 'add', 'alice', '--roles=a'], command: 'users add', flags: { debug: true } },
    { argv: ['users', 'add', 'alice', '--roles=a', '--ttl=90m'], command: 'users add', flags: { ttl: 90 * 60_000 } },
    { argv: ['tokens', 'add', '--type=node', '--ttl', '5m'], command: 'tokens add', flags: { type: ['node'], ttl: 300_000 } },
    { argv: ['tokens', 'add', '--type=node'], command: 'tokens add', flags: { ttl: 1_800_000, 'ca-pin': [], value: undefined, count: undefined } },
    { argv: ['tokens', 'add', '--type=node', '--ca-pin', 'sha256:a', '--ca-pin=sha256:b'], command: 'tokens add', flags: { 'ca-pin': ['sha256:a', 'sha256:b'] } },
    { argv: ['tokens', 'add', '--type', 'node,app', '--type=db'], command: 'tokens add', flags: { type: ['node', 'app', 'db'] } },
    { argv: ['tokens', 'add', '--type=node', '--count', '7', '--value=x', '--value', 'y'], command: 'tokens add', flags: { count: 7, value: 'y' } },
    { argv: ['ssh', '-p2222', 'host'], command: 'ssh', flags: { port: 2222 }, args: { host: 'host', command: [] } },
    { argv: ['ssh', '-p', '2222', 'host'], command: 'ssh', flags: { port: 2222 } },
    { argv: ['ssh', '-Al', 'root', 'host'], command: 'ssh', flags: { 'forward-agent': true, login: 'root' } },
    { argv: ['ssh', '-dAlroot', 'host'], command: 'ssh', flags: { debug: true, 'forward-agent': true, login: 'root' } },
    { argv: ['ssh', '-o', 'A=1', '-oB=2', 'host'], command: 'ssh', flags: { option: ['A=1', 'B=2'] } },
    { argv: ['ssh', 'root@host', 'ls', '-la'], command: 'ssh', flags: { port: undefined }, args: { host: 'root@host', command: ['ls', '-la'] } },
    { argv: ['ssh', '-A', 'host', '-p', '22', '--', 'x'], command: 'ssh', flags: { port: undefined, 'forward-agent': true }, args: { command: ['-p', '22', '--', 'x'] } },
    { argv: ['get', '--', '-weird-name'], command: 'get', args: { resource: '-weird-name' }, rest: [] },
    { argv: ['get', 'roles', '--', 'x', '--y'], command: 'get', args: { resource: 'roles' }, rest: ['x', '--y'] },
    { argv: ['get', '-'], command: 'get', args: { resource: '-' } },
    { argv: ['--insecure', 'get', 'x'], command: 'get', flags: { insecure: true } },
    { argv: ['--insecure=false', 'get', 'x'], command: 'get', flags: { insecure: false } },
    { argv: ['get', 'x', '--insecure=true'], command: 'get', flags: { insecure: true } },
    { argv: ['get', 'x', '--no-insecure'], command: 'get', flags: { insecure: false } },
    { argv: ['-cfile.yaml', 'get', 'x'], command: 'get', flags: { config: 'file.yaml' } },
    { argv: ['get', 'x', '-c', 'a.yaml', '--config=b.yaml'], command: 'get', flags: { config: 'b.yaml' } },
    { argv: ['users', 'list'], command: 'users ls', flags: { format: 'text' } },
    { argv: ['users', 'ls', '--format', 'json'], command: 'users ls', flags: { format: 'json' } },
    { argv: ['get', 'x'], env: { TELEPORT_PROXY: 'proxy.example.com:3080' }, command: 'get', flags: { proxy: 'proxy.example.com:3080' } },
    { argv: ['get', 'x', '--proxy=other:443'], env: { TELEPORT_PROXY: 'proxy.example.com:3080' }, command: 'get', flags: { proxy: 'other:443' } },
    { argv: ['get', 'x'], env: { TELEPORT_AUTH_SERVER: 'auth:3025' }, command: 'get', flags: { 'auth-server': ['auth:3025'] } },
    { argv: ['--auth-server', 'a:3025', 'get', 'x', '--auth-server=b:3025'], command: 'get', flags: { 'auth-server': ['a:3025', 'b:3025'] } },
  ];

  it.each(cases)('$argv', async ({ argv, env, command, flags, args, rest }) => {
    const r = await run(argv, env);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.calls).toHaveLength(1);
    expect(r.inv.command).toBe(command);
    if (flags) for (const [k, v] of Object.entries(flags)) expect(r.inv.flags[k], k).toEqual(v);
    if (args) for (const [k, v] of Object.entries(args)) expect(r.inv.args[k], k).toEqual(v);
    if (rest) expect(r.inv.rest).toEqual(rest);
  });

  it('gives makeCtx only the global flags', async () => {
    const r = await run(['-d', 'users', 'add', 'alice', '--roles=a']);
    expect(r.globals).toEqual({ debug: true, 'auth-server': [], config: undefined, insecure: false, 'secret-knob': undefined });
  });
});

describe('runApp usage errors', () => {
  const cases: Array<{ argv: string[]; error: string }> = [
    { argv: ['users', 'ls', '--foo'], error: "unknown long flag '--foo'" },
    { argv: ['users', 'ls', '--foo=bar'], error: "unknown long flag '--foo'" },
    { argv: ['users', 'ls', '-x'], error: "unknown short flag '-x'" },
    { argv: ['--roles=a', 'users', 'add', 'alice'], error: "unknown long flag '--roles'" },
    { argv: ['--no-config', 'get', 'x'], error: "unknown long flag '--no-config'" },
    { argv: ['users', 'add', 'alice'], error: 'required flag --roles not provided' },
    { argv: ['users', 'add', '--roles=a'], error: "required argument 'account' not provided" },
    { argv: ['ssh'], error: "required argument 'host' not provided" },
    { argv: ['users', 'ls', '--format=xml'], error: "enum value must be one of text,json,yaml, got 'xml'" },
    { argv: ['tokens', 'add', '--type=node,ssh'], error: "enum value must be one of node,app,db,kube, got 'ssh'" },
    { argv: ['tokens', 'add', '--type=node', '--ttl=5x'], error: 'time: invalid duration "5x"' },
    { argv: ['tokens', 'add', '--type=node', '--ttl', '5'], error: 'time: invalid duration "5"' },
    { argv: ['tokens', 'add', '--type=node', '--count=abc'], error: 'strconv.ParseInt: parsing "abc": invalid syntax' },
    { argv: ['--insecure=maybe', 'get', 'x'], error: 'strconv.ParseBool: parsing "maybe": invalid syntax' },
    { argv: ['bogus'], error: 'expected command but got "bogus"' },
    { argv: ['users', 'bogus'], error: 'expected command but got "bogus"' },
    { argv: ['users'], error: "must select a subcommand of 'users'" },
    { argv: ['users', 'ls', 'extra'], error: 'unexpected extra' },
    { argv: ['get', '--proxy'], error: "expected argument for flag '--proxy'" },
    { argv: ['get', '--proxy', '--insecure', 'x'], error: "expected argument for flag '--proxy'" },
    { argv: ['ssh', '-p'], error: "expected argument for flag '-p'" },
    { argv: ['help', 'nope'], error: 'expected command but got "nope"' },
  ];

  it.each(cases)('$argv -> $error', async ({ argv, error }) => {
    const r = await run(argv);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.calls).toHaveLength(0);
    const lines = r.err.trimEnd().split('\n');
    expect(lines[lines.length - 1]).toBe(`ERROR: ${error}`);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.err).not.toContain('--debug) for details');
  });

  it('prints the usage of the command at hand before the error, as tctl does', async () => {
    const r = await run(['users', 'add', 'alice']);
    expect(r.err.startsWith('usage: tctl users add --roles=ROLES [<flags>] <account>\n')).toBe(true);
    expect(r.err.endsWith('\nERROR: required flag --roles not provided\n')).toBe(true);
  });

  it('prints only the error line when usageOnError is false', async () => {
    const c = captureIO();
    const code = await runApp({ ...sampleApp, usageOnError: false }, ['nope'], c.io, () => ({ globals: {}, calls: [] }));
    expect(code).toBe(1);
    expect(c.err()).toBe('ERROR: expected command but got "nope"\n');
  });
});

describe('runApp help and version', () => {
  it.each([[['users', 'add', '--help']], [['users', 'add', '-h']], [['help', 'users', 'add']], [['--help', 'users', 'add', 'alice']], [['users', 'add', '--bogus', '--help']]])(
    '%j prints the command usage to stdout',
    async (argv) => {
      const r = await run(argv);
      expect(r.code).toBe(0);
      expect(r.err).toBe('');
      expect(r.calls).toHaveLength(0);
      expect(r.out).toContain('usage: tctl users add --roles=ROLES [<flags>] <account>\n');
      expect(r.out).toContain('Generate a user invitation token');
      expect(r.out).toMatch(/\n {6}--ttl +Invitation link lifetime \(default: 1h\)\n/);
      expect(r.out).toMatch(/\n {2}-d, --\[no-\]debug +Enable verbose logging to stderr\n/);
      expect(r.out).toMatch(/\nArgs:\n {2}<account> +The Teleport user account name\n/);
      expect(r.out).not.toContain('secret-knob');
    },
  );

  it('prints app usage with every visible command for --help and a bare call', async () => {
    for (const argv of [['--help'], []]) {
      const r = await run(argv);
      expect(r.code).toBe(0);
      expect(r.out.startsWith('Usage: tctl [<flags>] <command> [<args> ...]\n\nAdmin tool for the Teleport Access Platform\n\nFlags:\n')).toBe(true);
      // 59 characters of help do not fit the 57 left of an 80-column terminal: kingpin wraps them.
      expect(r.out).toContain(`      --auth-server    Auth or proxy address to connect to\n${' '.repeat(23)}($TELEPORT_AUTH_SERVER)\n`);
      expect(r.out).toContain('\nCommands:\n  help         Show help.\n  users add    Generate a user invitation token\n');
      expect(r.out).toContain("Try 'tctl help [command]' to get help for a given command.\n");
      expect(r.out).not.toContain('fail');
    }
  });

  it('prints a group usage listing its commands', async () => {
    const r = await run(['users', '--help']);
    expect(r.out).toContain('usage: tctl users <command> [<args> ...]\n\nManage user accounts\n');
    expect(r.out).toContain('Commands:\n  users add    Generate a user invitation token\n  users ls     Lists all user accounts\n');
  });

  it('lays out a command usage exactly like the kingpin template', async () => {
    const r = await run(['users', 'ls', '--help']);
    expect(r.out).toBe(
      [
        'usage: tctl users ls [<flags>]',
        '',
        'Lists all user accounts',
        '',
        'Flags:',
        '  -d, --[no-]debug     Enable verbose logging to stderr',
        '      --auth-server    Auth or proxy address to connect to',
        '                       ($TELEPORT_AUTH_SERVER)',
        '  -c, --config         Path to a configuration file',
        '      --[no-]insecure  Do not verify the server certificate',
        '      --format         Output format (default: text)',
        '',
        'Aliases:',
        'list',
        '',
        '',
      ].join('\n'),
    );
  });

  it('prints --version', async () => {
    const r = await run(['--version']);
    expect(r).toMatchObject({ code: 0, out: 'Teleport v15.0.0\n', err: '' });
  });
});

describe('runApp command failures', () => {
  it('prints a user error without a stack', async () => {
    const r = await run(['fail', 'notfound']);
    expect(r).toMatchObject({ code: 1, out: '', err: 'ERROR: user "bob" not found\n' });
  });

  it('prints a bug with a hint, and its stack with -d', async () => {
    const plain = await run(['fail', 'bug']);
    expect(plain.code).toBe(1);
    expect(plain.err).toBe('ERROR: boom\nRun the command again with -d (--debug) for details.\n');
    const debug = await run(['fail', 'bug', '-d']);
    expect(debug.code).toBe(1);
    expect(debug.err).toMatch(/^ERROR: boom\n\nError: boom\n\s+at /);
  });

  it('uses the exit code a command returns or throws', async () => {
    expect(await run(['fail', 'code'])).toMatchObject({ code: 3, err: '' });
    expect(await run(['fail', 'exit'])).toMatchObject({ code: 42, err: '' });
  });

  it('reports a makeCtx failure through reportError', async () => {
    const c = captureIO();
    const code = await runApp(sampleApp, ['tokens', 'ls'], c.io, () => {
      throw new Error('cannot connect');
    });
    expect(code).toBe(1);
    expect(c.err()).toContain('ERROR: cannot connect\n');
  });

  it('rejects a broken spec as a bug, not a usage error', async () => {
    const c = captureIO();
    const bad = { ...sampleApp, commands: [...sampleApp.commands, sampleApp.commands[0]] };
    const code = await runApp(bad, ['tokens', 'ls'], c.io, () => ({ globals: {}, calls: [] }));
    expect(code).toBe(1);
    expect(c.err()).toContain("ERROR: tctl: duplicate command 'users add'");
  });
});
