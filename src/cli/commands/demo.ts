/**
 * `maskedit demo [--out DIR]`: an object removal on the embedded engine — no key, no network — on the bundled
 * public-domain photo examples/rocket.png (the right-hand lightning mast, with its foot and lights, is masked). Writes
 * the result, the report and the heatmap into DIR and prints the summary; then prints how the field guide's lounge
 * edit (examples/lounge.png, "add a flamingo": a generative edit the embedded engine cannot draw) would be planned
 * and what it would cost on OpenAI, without sending anything.
 */
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { DEFAULT_ENGINE, ENGINE_NAMES } from '../../core/choices.js';
import { estimateCost, formatUsd } from '../../core/cost.js';
import { defaultModel } from '../../core/lifecycle.js';
import { planCrops } from '../../core/sizing.js';
import { probeImage, readInputFile } from '../../io/image.js';
import { readEditMask } from '../../io/mask.js';
import { edit } from '../../pipeline/edit.js';
import { reportJson, writeEditResult } from '../../pipeline/write.js';
import { defineCommand, EXIT, usageError } from '../_context.js';
import { COMMON, defineOptions, readOptions } from '../options.js';
import { painter, writeJson } from '../_output.js';
import { progressPrinter } from '../_progress.js';
import { renderEditSummary } from '../_summary.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/', import.meta.url));

/** What the demo removes (the embedded engine ignores prompts; the report keeps it). */
export const REMOVAL_PROMPT = 'Remove the right-hand lightning mast; keep the evening sky, the rocket and the other towers.';

/** The guide's own example prompt: the full final image plus what to preserve. */
export const DEMO_PROMPT = 'A sunlit indoor lounge area with a pool containing a flamingo. Preserve the pink room walls, the pool tile pattern, the reflections, the furniture, and the camera angle. Do not redesign the rest of the room.';

export const DEMO_OPTIONS = defineOptions({
  out: { type: 'path', metavar: 'DIR', description: 'The folder for result.png, report.json and heatmap.png.', default: 'maskedit-demo' },
  engine: { type: 'enum', choices: ENGINE_NAMES, description: 'The embedded fill engine.', default: DEFAULT_ENGINE, to: 'engine' },
  json: COMMON.json,
  quiet: COMMON.quiet,
});

const command = defineCommand({
  name: 'demo',
  summary: 'Remove an object from the bundled photo (examples/rocket.png) on the embedded engine, and show what the guide\'s lounge edit would cost on OpenAI: no key, no network',
  options: DEMO_OPTIONS,
  async run(ctx) {
    if (ctx.positionals.length) throw usageError(`unexpected argument ${JSON.stringify(ctx.positionals[0])}`, command.usage);
    const { values, options } = readOptions<typeof DEMO_OPTIONS, { engine: string }>(command, ctx);
    const dir = values.out!;
    const { engine } = options;
    const image = join(EXAMPLES, 'rocket.png');
    const mask = join(EXAMPLES, 'rocket-mask.png');
    ctx.stderr.write(`maskedit demo: removing the masked mast from ${image} (${mask}) on the embedded ${engine} engine → ${dir}/\n`);
    const result = await edit({
      image, mask, prompt: REMOVAL_PROMPT, provider: 'local', engine, signal: ctx.signal,
      onProgress: progressPrinter(ctx.stderr, { quiet: Boolean(values.quiet), env: ctx.env }),
    });
    const written = await writeEditResult(result, {
      output: join(dir, 'result.png'), reportPath: join(dir, 'report.json'), heatmapPath: join(dir, 'heatmap.png'), inputs: [image, mask],
    });
    const lounge = await loungeOnOpenAi(ctx.today);
    if (values.json) writeJson(ctx.stdout, { ...(reportJson(result, written) as Record<string, unknown>), openaiExample: lounge });
    else {
      ctx.stderr.write(renderEditSummary(result.report, written, painter(ctx.stderr, ctx.env)));
      ctx.stderr.write(`\nThe field guide's lounge edit (examples/lounge.png, "${DEMO_PROMPT.slice(0, 60)}…") draws new content, which needs OpenAI.\n`
        + `On ${lounge.model} it would send ${lounge.crops.map((c) => `a ${c.width}x${c.height} crop at ${c.x},${c.y} as ${c.sendWidth}x${c.sendHeight}`).join(' and ')}`
        + ` (${lounge.detail.toFixed(2)}x the detail of sending the whole image) and cost about $${formatUsd(lounge.usd)} (estimate; prices read ${lounge.pricesReadOn}).\n`
        + `Run it: maskedit edit ${join(EXAMPLES, 'lounge.png')} --mask ${join(EXAMPLES, 'lounge-mask.png')} --prompt "…" --provider openai\n`);
    }
    return EXIT.ok;
  },
});

export default command;

/** The guide's lounge edit as OpenAI would get it: the crop plan and the cost estimate (nothing is sent). */
async function loungeOnOpenAi(today: string): Promise<{ model: string; crops: { x: number; y: number; width: number; height: number; sendWidth: number; sendHeight: number }[]; detail: number; usd: number; pricesReadOn: string }> {
  const imagePath = join(EXAMPLES, 'lounge.png');
  const [size, { mask }] = await Promise.all([readInputFile(imagePath).then((b) => probeImage(b, { label: imagePath })), readEditMask(join(EXAMPLES, 'lounge-mask.png'))]);
  const model = defaultModel(today);
  const plan = planCrops(size, mask, model);
  let usd = 0, pricesReadOn = '';
  for (const c of plan.crops) {
    const e = estimateCost({ model, size: `${c.sendWidth}x${c.sendHeight}`, quality: 'auto', n: 1, inputImages: [{ width: c.sendWidth, height: c.sendHeight }], promptChars: [...DEMO_PROMPT].length });
    usd += e.usd;
    pricesReadOn = e.pricesReadOn;
  }
  return {
    model,
    crops: plan.crops.map(({ x, y, width, height, sendWidth, sendHeight }) => ({ x, y, width, height, sendWidth, sendHeight })),
    detail: plan.detail.crop / plan.detail.whole, usd, pricesReadOn,
  };
}
