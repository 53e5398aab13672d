/**
 * Every engine runs inside {@link withBudget}: a memory budget and a coded-error boundary.
 *
 * - **Budget.** Each engine's peak memory grows with the pixels it is handed (bytes per pixel measured per
 *   engine, {@link BYTES_PER_PIXEL}). When the whole image would exceed the budget (default 1 GiB, or
 *   `MASKEDIT_ENGINE_MEMORY_MB`), the engine works on the hole's region instead: the holes' bounding box with a
 *   margin of known pixels around it, pasted back into a copy of the image. Pixels outside the mask are the
 *   input's either way. When even that region is over budget the fill is refused with `ENGINE_MEMORY_BUDGET`
 *   and a fix, before any large allocation — a 12 KB PNG that decodes to 10000×10000 cannot take the process down.
 * - **Coded errors.** The OpenCV WebAssembly build throws bare numbers (a pointer to a C++ exception, often an
 *   out-of-memory); anything thrown that is not a maskedit error becomes `ENGINE_FAILED` with a fix.
 *
 * @example
 * const engine = withBudget(opencvEngine('telea'));
 */
import { AbortError, MaskeditError } from '../core/errors.js';
import { crop, growBox, paste } from '../core/crop.js';
import { boundingBox, cloneRaster, countNonZero, type EditMask, type Raster } from '../core/raster.js';
import type { Engine } from './engine.js';
import { settings, settingsFromEnv } from '../io/settings.js';

/** Peak bytes per pixel handed to the engine (RGBA in and out, the engine's own buffers), with headroom. */
export const BYTES_PER_PIXEL: Record<string, number> = { telea: 28, ns: 28, patchmatch: 48 };
const DEFAULT_BYTES_PER_PIXEL = 48;
/**
 * Peak bytes per hole pixel on top of that: heal's gradient-domain step keeps about 250 B per unknown (its sources'
 * steps, links, right-hand side and the multigrid's scratch, plus the coarser grids), measured at 48 MP with a 5 %
 * hole (docs/performance.md).
 */
export const BYTES_PER_HOLE_PIXEL: Record<string, number> = { heal: 256 };
export { DEFAULT_ENGINE_BUDGET_BYTES } from '../io/settings.js';

/** MASKEDIT_ENGINE_MEMORY_MB of `env` in bytes, else 1 GiB (the CLI reads it once into io/settings.ts). */
export function engineBudgetFromEnv(env: Readonly<Record<string, string | undefined>>): number {
  return settingsFromEnv(env).engineBudgetBytes;
}

/** Estimated peak bytes for `engine` filling `pixels` pixels of which `holes` are to be filled. */
export function engineCost(engine: string, pixels: number, holes = 0): number {
  return pixels * (BYTES_PER_PIXEL[engine] ?? DEFAULT_BYTES_PER_PIXEL) + holes * (BYTES_PER_HOLE_PIXEL[engine] ?? 0);
}

const mb = (b: number) => `${Math.ceil(b / 1024 / 1024)} MB`;

/** Turns anything an engine throws into a maskedit error. */
export function engineFailure(name: string, e: unknown): MaskeditError {
  if (e instanceof MaskeditError) return e;
  if (typeof e === 'number') {
    return new MaskeditError('ENGINE_FAILED', `the ${name} engine failed inside OpenCV (WebAssembly exception ${e}, usually out of memory)`,
      'use a smaller image or a smaller mask, or the patchmatch engine (--engine patchmatch)', { cause: e });
  }
  const what = e instanceof Error ? `${e.name}: ${e.message.split('\n')[0]!.slice(0, 200)}` : `${typeof e} thrown`;
  return new MaskeditError('ENGINE_FAILED', `the ${name} engine failed (${what})`, 'try another engine (--engine telea), or report the image and mask that cause it', { cause: e });
}

export interface BudgetOptions {
  /** Bytes (default: io/settings.ts `engineBudgetBytes` — 1 GiB, or MASKEDIT_ENGINE_MEMORY_MB read by the CLI). */
  budgetBytes?: number;
}

export function withBudget(engine: Engine, opts: BudgetOptions = {}): Engine {
  const name = String(engine.name);
  return {
    name: engine.name,
    async fill(image, mask, options, signal, onProgress) {
      const budget = opts.budgetBytes ?? settings().engineBudgetBytes;
      try {
        const whole = image.width * image.height;
        // Hole pixels are counted only for engines whose memory grows with the hole (a scan of the mask).
        const holes = BYTES_PER_HOLE_PIXEL[name] && mask.data.length === whole ? countNonZero(mask) : 0;
        if (engineCost(name, whole, holes) <= budget || mask.width !== image.width || mask.height !== image.height) {
          return await engine.fill(image, mask, options, signal, onProgress);
        }
        const box = boundingBox(mask);
        if (!box) return cloneRaster(image);
        // Context around the holes: half the box's longer side, at least 64 px, as the crop planner does.
        const region = growBox(box, Math.max(64, Math.ceil(Math.max(box.width, box.height) / 2)), image);
        const cost = engineCost(name, region.width * region.height, holes);
        if (cost > budget) {
          throw new MaskeditError('ENGINE_MEMORY_BUDGET',
            `the ${name} engine would need about ${mb(cost)} for the ${region.width}x${region.height} region around the mask (image ${image.width}x${image.height}); the budget is ${mb(budget)}`,
            `downscale the image (e.g. to 4096 px on the long side), use a smaller mask, or raise the budget with MASKEDIT_ENGINE_MEMORY_MB=${Math.ceil(cost / 1024 / 1024) + 64} if the machine has the memory`);
        }
        const filled = await engine.fill(crop(image, region) as Raster & { channels: 4 }, crop(mask, region) as EditMask, options, signal, onProgress);
        return paste(cloneRaster(image), filled, region.x, region.y);
      } catch (e) {
        if (e instanceof AbortError || signal?.aborted) throw e instanceof MaskeditError ? e : new AbortError();
        throw engineFailure(name, e);
      }
    },
  };
}
