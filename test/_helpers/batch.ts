/**
 * Fixtures shared by the batch tests (runner and BullMQ queue): an OpenAI-like provider scripted per job, job
 * lists and the event stream collected.
 */
import { join } from 'node:path';
import type { BatchEvent } from '../../src/batch/runner.js';
import { cloneRaster } from '../../src/core/raster.js';
import { ProviderError } from '../../src/providers/errors.js';
import type { Provider, ProviderRequest } from '../../src/providers/provider.js';

/** What the provider answers on one call for a job: success, or an HTTP failure (OpenAI code, Retry-After). */
export type Outcome = 'ok' | { status: number; code?: string; retryAfter?: string };

/**
 * An OpenAI-like provider whose answers are scripted per job (the job id is the `[id]` in the prompt); calls
 * are recorded in order. `paint`: the edited pixels come back magenta (so a result can be told from its input).
 */
export function scripted(script: Record<string, Outcome[]> = {}, opts: { paint?: boolean } = {}): Provider & { calls: string[] } {
  const calls: string[] = [];
  return {
    name: 'openai', surface: 'images', calls,
    async edit(req: ProviderRequest) {
      const id = /\[(\w+)\]/.exec(req.prompt)![1]!;
      calls.push(id);
      const next = script[id]?.shift() ?? 'ok';
      if (next !== 'ok') {
        throw new ProviderError(next.code ? `OPENAI_${next.code.toUpperCase()}` : `OPENAI_HTTP_${next.status}`, `OpenAI answered ${next.status}`, 'a fix', {
          status: next.status, ...(next.code ? { openaiCode: next.code } : {}),
          cause: { headers: new Headers(next.retryAfter ? { 'retry-after': next.retryAfter } : {}) },
        });
      }
      const out = cloneRaster(req.image);
      if (opts.paint) for (let i = 0; i < req.mask.data.length; i++) if (req.mask.data[i]) out.data.set([255, 0, 255, 255], i * 4);
      return { images: [out] };
    },
  };
}

/** Jobs `ids` on `dir/img.png` with the mask `dir/<mask>`, each prompt carrying its id for {@link scripted}. */
export function jobsIn(dir: string, mask: string, ids: string[], extra: Record<string, unknown> = {}) {
  return ids.map((id) => ({ id, image: join(dir, 'img.png'), mask: join(dir, mask), prompt: `A studio shot [${id}]. Remove the tag.`, ...extra }));
}

export async function collect(events: AsyncIterable<BatchEvent>): Promise<BatchEvent[]> {
  const out: BatchEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

/** The run's `end` event. */
export const endOf = (evs: BatchEvent[]) => evs.find((e): e is Extract<BatchEvent, { type: 'end' }> => e.type === 'end')!;
