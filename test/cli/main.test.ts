import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BIN, runCli, spawnCli } from '../_helpers/cli.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('maskedit (in process)', () => {
  it('lists every command with its usage and summary', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  maskedit check IMAGE MASK [--model M] [--markup FILE] [--json]\n      Find every reason OpenAI would reject or misread a mask');
    expect(r.stdout).toContain('  maskedit mask INPUT -o OUT [--match IMAGE]');
    expect(r.stdout).toContain('Exit codes: 0 ok, 1 failed or errors found, 2 usage error, 130 interrupted.');
  });

  it('without arguments prints help and exits 2', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^maskedit — /);
  });

  it('prints per-command help with the flags', async () => {
    const r = await runCli(['mask', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: maskedit mask INPUT -o OUT/);
    expect(r.stdout).toContain('  --rect VALUE (repeatable)');
    expect(r.stdout).toContain('  --fill-holes\n');
    expect(r.stdout).toContain('  -o, --output VALUE\n');
  });

  it('prints the version', async () => {
    expect(await runCli(['--version'])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('an unknown command is a usage error naming the known ones', async () => {
    const r = await runCli(['chekc']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error USAGE: unknown command "chekc"; expected one of .*check.*mask/);
    expect(r.stderr).toContain('  fix: did you mean `maskedit check`? (`maskedit --help` lists them all)\n');
  });

  it.each([
    [['zzz'], '  fix: run `maskedit --help`\n'],
    [['check', 'a.png', 'b.png', '--modle', 'x'], "error USAGE: Unknown option '--modle' (did you mean --model?)\n"],
    [['edit', 'a.png', '--promt', 'x'], "error USAGE: Unknown option '--promt' (did you mean --prompt?)\n"],
  ])('suggests the close spelling only when there is one: %j', async (args, line) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(line);
  });

  it('an unknown command with --json prints the error as JSON on stdout', async () => {
    const r = await runCli(['chekc', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({ ok: false, error: { code: 'USAGE', message: expect.stringMatching(/^unknown command "chekc"/), fix: expect.stringContaining('maskedit check') } });
  });
});

describe('maskedit (spawned)', () => {
  it('runs from a fresh process through tsx: --version and an unknown command', async () => {
    const v = await spawnCli(['--version']);
    expect([v.code, v.stdout, v.stderr]).toEqual([0, `${VERSION}\n`, '']);
    const u = await spawnCli(['nope']);
    expect(u.code).toBe(2);
    expect(u.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(BIN).toMatch(/bin\/maskedit\.js$/);
  });
});
