/**
 * `maskedit demo [--out DIR]`: the bundled lounge example on the embedded engine — no key, no network. Writes
 * the result, the report and the heatmap into DIR and prints the summary.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { DEFAULT_ENGINE, ENGINE_NAMES } from '../../engines/engine.js';
import { edit } from '../../pipeline/edit.js';
import { reportJson, writeEditResult } from '../../pipeline/write.js';
import { choiceOption, EXIT, stringOption, usageError, type Command } from '../_context.js';
import { painter, writeJson } from '../_output.js';
import { progressPrinter } from '../_progress.js';
import { renderEditSummary } from '../_summary.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));

/** The guide's own example prompt: the full final image plus what to preserve. */
export const DEMO_PROMPT = 'A sunlit indoor lounge area with a pool containing a flamingo. Preserve the pink room walls, the pool tile pattern, the reflections, the furniture, and the camera angle. Do not redesign the rest of the room.';

const command: Command = {
  name: 'demo',
  summary: 'Run the bundled example (examples/lounge.png) on the embedded engine: no key, no network',
  usage: 'maskedit demo [--out DIR] [--engine patchmatch|telea|ns] [--json]',
  options: { out: { type: 'string' }, engine: { type: 'string' }, json: { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' } },
  async run(ctx) {
    if (ctx.positionals.length) throw usageError(`unexpected argument ${JSON.stringify(ctx.positionals[0])}`, command.usage);
    const dir = stringOption(ctx, 'out') ?? 'maskedit-demo';
    const engine = choiceOption(ctx, 'engine', ENGINE_NAMES, command) ?? DEFAULT_ENGINE;
    const image = join(EXAMPLES, 'lounge.png');
    const mask = join(EXAMPLES, 'lounge-mask.png');
    ctx.stderr.write(`maskedit demo: ${image} with ${mask} on the embedded ${engine} engine → ${dir}/\n`);
    const result = await edit({
      image, mask, prompt: DEMO_PROMPT, provider: 'local', engine, signal: ctx.signal,
      onProgress: progressPrinter(ctx.stderr, { quiet: Boolean(ctx.values.quiet) }),
    });
    const written = await writeEditResult(result, {
      output: join(dir, 'result.png'), reportPath: join(dir, 'report.json'), heatmapPath: join(dir, 'heatmap.png'), inputs: [image, mask],
    });
    if (ctx.values.json) writeJson(ctx.stdout, reportJson(result, written));
    else ctx.stderr.write(renderEditSummary(result.report, written, painter(ctx.stderr, ctx.env)));
    return EXIT.ok;
  },
};

export default command;
