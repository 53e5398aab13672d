/**
 * Starting a worker thread whose entry module sits beside the caller, from built JavaScript or from the
 * TypeScript sources. Run from sources (tsx, vitest), the worker registers tsx's loader itself, as
 * bin/maskedit.js does, because Node 20 does not carry --import hooks into a worker's entry module.
 *
 * @example
 * const worker = startWorkerBeside(import.meta.url, '_pixel_worker');
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** A worker running `./<name>.js` (or `./<name>.ts` from sources) next to the module at `callerUrl`. */
export function startWorkerBeside(callerUrl: string, name: string): Worker {
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, callerUrl));
  // The ESM entry of tsx's API (require.resolve finds the CommonJS one, which cannot register from an eval worker).
  const api = pathToFileURL(createRequire(callerUrl).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const entry = new URL(`./${name}.ts`, callerUrl).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(boot, { eval: true, execArgv: [] });
}
