/**
 * `maskedit plan IMAGE --mask MASK [--model M] [--regions merge|separate|auto] [--mode crop|whole]
 * [--preview OUT.png] [--json]`: what `maskedit edit` would send to the model — the crop boxes, the size each
 * is sent at and how much detail that buys over sending the whole image — before any money is spent.
 */
import { renderPlanPreview } from '../../core/heatmap.js';
import { findModel } from '../../core/models.js';
import { closestModels, defaultModel, lifecycleProblems } from '../../core/lifecycle.js';
import { sameSize } from '../../core/raster.js';
import { DEFAULT_CONTEXT, planCrops, type Plan, type PlanOptions } from '../../core/sizing.js';
import { MaskError } from '../../core/errors.js';
import { assertNotInput, writeFileAtomic } from '../../io/atomic.js';
import { encodeImage, probeImage, readImageFile, readInputFile, verifyDecodes } from '../../io/image.js';
import { readEditMask } from '../../io/mask.js';
import { PLAN_MODES, REGIONS_MODES } from '../../core/choices.js';
import { CliError, defineCommand, EXIT, requirePositionals } from '../_context.js';
import { COMMON, defineOptions, readOptions } from '../options.js';
import { painter, writeJson, type Painter } from '../_output.js';
import { outputFormat } from './diff.js';

export const PLAN_OPTIONS = defineOptions({
  mask: { type: 'path', short: 'm', metavar: 'MASK', required: true, description: 'The mask the edit would use.' },
  model: COMMON.model,
  regions: { type: 'enum', choices: REGIONS_MODES, description: 'Far-apart regions: one crop (merge), one each (separate), or by their spread (auto).', defaultLabel: 'default auto', to: 'regions' },
  mode: { type: 'enum', choices: PLAN_MODES, description: 'Plan crops around the mask, or the whole image.', defaultLabel: 'default crop', to: 'mode' },
  context: { type: 'number', metavar: 'F', min: 0, max: 4, description: 'Crop margin as a fraction of the mask box\'s side, at least 64 px.', defaultLabel: `default ${DEFAULT_CONTEXT}`, to: 'context' },
  preview: { type: 'path', metavar: 'OUT.png', description: 'Draw the crops over the image into this file (.png, .jpg or .webp).' },
  json: COMMON.json,
});

const command = defineCommand({
  name: 'plan',
  args: 'IMAGE',
  summary: 'Show the crops an edit would send to the model and the detail they buy (no API call)',
  details: [
    `Crop = the mask's bounding box plus --context (fraction of its side on each side, default ${DEFAULT_CONTEXT}, at least 64 px),`,
    'grown to the aspect of the nearest size the model takes and kept inside the image.',
    '--regions auto separates far-apart regions when their crops cover at most half of the merged crop and there are at most 4.',
    'detail = model pixels per source pixel of the edited region.',
    '--json prints { mode, crops: [{ x, y, width, height, sendWidth, sendHeight }], detail: { crop, whole } }.',
  ].join('\n'),
  options: PLAN_OPTIONS,
  async run(ctx) {
    const [imagePath] = requirePositionals(ctx, ['IMAGE'], command) as [string];
    const { values, options } = readOptions<typeof PLAN_OPTIONS, PlanOptions & { model?: string }>(command, ctx);
    const maskPath = values.mask!;
    const modelId = options.model ?? defaultModel(ctx.today);
    if (!findModel(modelId)) {
      throw new CliError('MODEL_UNKNOWN', `unknown model ${JSON.stringify(modelId)}; closest known: ${closestModels(modelId).join(', ')}`, `pass --model ${defaultModel(ctx.today)} (\`maskedit models\` lists them)`);
    }
    // A plan for a shut-down model is still useful (what would have been sent), but say so; a deprecated one warns.
    for (const p of lifecycleProblems(modelId, ctx.today)) ctx.stderr.write(`${p.severity} ${p.code}: ${p.message}\n  fix: ${p.fix}\n`);
    const { regions, mode, context } = options;
    const previewPath = values.preview;
    const previewFormat = previewPath ? outputFormat(previewPath, '--preview', command.usage) : undefined;
    if (previewPath) assertNotInput(previewPath, [imagePath, maskPath]);

    // The plan needs only the image's displayed size; the preview needs its pixels. Without a preview the image is
    // still decoded to its end (and its pixels dropped), so a truncated file is refused here as `edit` would.
    const [image, { mask }] = await Promise.all([
      previewPath ? readImageFile(imagePath, { label: imagePath }) : readInputFile(imagePath).then(async (bytes) => {
        const info = await probeImage(bytes, { label: imagePath });
        await verifyDecodes(bytes, info, { label: imagePath });
        return info;
      }),
      readEditMask(maskPath),
    ]);
    const size = 'raster' in image ? image.raster : image;
    if (!sameSize(size, mask)) {
      throw new MaskError('MASK_SIZE_MISMATCH', `mask ${maskPath} is ${mask.width}x${mask.height} but ${imagePath} is ${size.width}x${size.height} (displayed orientation)`,
        `resize the mask to the image: maskedit mask ${maskPath} --match ${imagePath} -o mask.png`);
    }
    const plan = planCrops({ width: size.width, height: size.height }, mask, modelId, {
      ...(regions ? { regions } : {}), ...(mode ? { mode } : {}), ...(context !== undefined ? { context } : {}),
    });
    if (previewPath && 'raster' in image) {
      await writeFileAtomic(previewPath, await encodeImage(renderPlanPreview(image.raster, mask, plan.crops), { format: previewFormat! }));
    }
    if (values.json) writeJson(ctx.stdout, planJson(plan));
    else ctx.stdout.write(renderPlan(plan, modelId, previewPath, painter(ctx.stdout, ctx.env)));
    return EXIT.ok;
  },
});

/** The plan as `--json` prints it (the issue's shape: no region boxes). */
export function planJson(plan: Plan): { mode: Plan['mode']; crops: { x: number; y: number; width: number; height: number; sendWidth: number; sendHeight: number }[]; detail: Plan['detail'] } {
  return {
    mode: plan.mode,
    crops: plan.crops.map(({ x, y, width, height, sendWidth, sendHeight }) => ({ x, y, width, height, sendWidth, sendHeight })),
    detail: plan.detail,
  };
}

function renderPlan(plan: Plan, modelId: string, previewPath: string | undefined, p: Painter): string {
  const lines = [p.bold(`${modelId}: ${plan.mode === 'crop' ? `${plan.crops.length} crop${plan.crops.length === 1 ? '' : 's'}` : 'whole image'}`)];
  plan.crops.forEach((c, i) => {
    const region = plan.mode === 'crop' ? p.dim(` (edited region ${c.region.width}x${c.region.height} at ${c.region.x},${c.region.y})`) : '';
    lines.push(`  ${i + 1}. ${c.width}x${c.height} at ${c.x},${c.y} → sent as ${c.sendWidth}x${c.sendHeight}${region}`);
  });
  const gain = plan.detail.crop / plan.detail.whole;
  lines.push(`detail: ${plan.detail.crop.toFixed(2)} model px per source px in crop mode, ${plan.detail.whole.toFixed(2)} whole` +
    (plan.mode === 'crop' ? ` (${p.green(`${gain.toFixed(1)}×`)})` : gain <= 1 ? p.dim(' (cropping would not add detail)') : ''));
  if (previewPath) lines.push(p.dim(`preview: ${previewPath}`));
  return `${lines.join('\n')}\n`;
}

export default command;
