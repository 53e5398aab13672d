/**
 * The CLI entry point. `runMain` is the only place that calls `process.exit`; `run` is the testable core that
 * returns an exit code.
 */
import { createRequire } from 'node:module';
import { isMaskeditError } from '../core/errors.js';
import { editDistance } from '../core/lifecycle.js';
import { isoDate, parseToday } from '../core/lifecycle.js';
import { cleanupTempFiles } from '../io/atomic.js';
import { configureSettings, settingsFromEnv } from '../io/settings.js';
import { CliError, EXIT, type CommandContext } from './_context.js';
import { parseCommandLine, renderHelp } from './options.js';
import { COMMANDS } from './commands/index.js';
import { painter, writeJson } from './_output.js';

const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

export interface RunIo {
  stdout: CommandContext['stdout'];
  stderr: CommandContext['stderr'];
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
}

async function help(): Promise<string> {
  const lines = ['maskedit — masked image edits on OpenAI\'s Images API, correct by construction', '', 'Usage:'];
  for (const load of Object.values(COMMANDS)) {
    const c = await load();
    lines.push(`  ${c.usage}`, `      ${c.summary}`);
  }
  lines.push('', 'Global: --help, --version. Exit codes: 0 ok, 1 failed or errors found, 2 usage error, 130 interrupted.',
    'Environment: OPENAI_API_KEY (read from the environment only), OPENAI_BASE_URL, MASKEDIT_RESPONSES_MODEL, MASKEDIT_MAX_PIXELS,',
    '  MASKEDIT_ENGINE_MEMORY_MB, XDG_DATA_HOME, NO_COLOR,',
    '  MASKEDIT_TODAY=YYYY-MM-DD (judge models on that date instead of today; docs/models.md).');
  return `${lines.join('\n')}\n`;
}

/** Runs one CLI invocation and returns its exit code. */
export async function run(argv: string[], io: RunIo): Promise<number> {
  // The process-wide settings (MASKEDIT_MAX_PIXELS, MASKEDIT_ENGINE_MEMORY_MB, XDG_DATA_HOME) are read here,
  // once; commands get the rest of the environment as ctx.env and pass what they need down (docs/architecture.md).
  configureSettings(settingsFromEnv(io.env));
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(await help());
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  const load = COMMANDS[name];
  if (!load) {
    const close = Object.keys(COMMANDS).filter((c) => editDistance(c, name) <= 2);
    return reportError(new CliError('USAGE', `unknown command ${JSON.stringify(name)}; expected one of ${Object.keys(COMMANDS).join(', ')}`,
      close.length === 1 ? `did you mean \`maskedit ${close[0]}\`? (\`maskedit --help\` lists them all)` : 'run `maskedit --help`'), io, rest.includes('--json'));
  }
  const command = await load();
  const wantsJson = rest.includes('--json');
  try {
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(renderHelp(command));
      return EXIT.ok;
    }
    // The one place the date models are judged on is read; commands get it through ctx.today.
    let today: string;
    try {
      today = io.env.MASKEDIT_TODAY !== undefined ? parseToday(io.env.MASKEDIT_TODAY) : isoDate(new Date());
    } catch (e) {
      throw new CliError('TODAY_INVALID', (e as Error).message, (e as { fix?: string }).fix);
    }
    // Syntax and every given value are checked against the command's option table before it runs.
    const parsed = parseCommandLine(command.options, rest, command.usage);
    return await command.run({ values: parsed.values, positionals: parsed.positionals, stdout: io.stdout, stderr: io.stderr, signal: io.signal, env: io.env, today });
  } catch (e) {
    return reportError(e, io, wantsJson);
  }
}


function reportError(e: unknown, io: RunIo, json: boolean): number {
  if (isMaskeditError(e)) {
    const exit = e instanceof CliError ? e.exitCode : e.code === 'ABORTED' ? EXIT.interrupted : EXIT.failed;
    if (json) writeJson(io.stdout, { ok: false, error: { code: e.code, message: e.message, fix: e.fix ?? null } });
    const p = painter(io.stderr, io.env);
    io.stderr.write(`${p.red('error')} ${p.bold(e.code)}: ${e.message}\n${e.fix ? `  ${p.dim('fix:')} ${e.fix}\n` : ''}`);
    return exit;
  }
  // Not one of ours: still no stack trace unless asked for, but say how to get one.
  const message = e instanceof Error ? e.message : String(e);
  if (json) writeJson(io.stdout, { ok: false, error: { code: 'INTERNAL', message, fix: 'rerun with MASKEDIT_DEBUG=1 and report the output' } });
  io.stderr.write(`error INTERNAL: ${message}\n  fix: rerun with MASKEDIT_DEBUG=1 for details and report it\n`);
  if (io.env.MASKEDIT_DEBUG && e instanceof Error) io.stderr.write(`${e.stack}\n`);
  return EXIT.failed;
}

/** The process entry: wires signals, runs, cleans temp files, exits. */
export async function runMain(argv: string[]): Promise<void> {
  const controller = new AbortController();
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(EXIT.interrupted);
    interrupted = true;
    controller.abort();
    // Give the command a moment to unwind, then remove temp files and leave.
    setTimeout(() => void cleanupTempFiles().finally(() => process.exit(EXIT.interrupted)), 2000).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const code = await run(argv, { stdout: process.stdout, stderr: process.stderr, env: process.env, signal: controller.signal });
  await cleanupTempFiles();
  process.exitCode = interrupted ? EXIT.interrupted : code;
  // Worker pools and sharp threads must not keep a finished command alive.
  process.exit(process.exitCode);
}
