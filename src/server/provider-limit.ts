/**
 * A cap on how many `provider.edit` calls run at once, separate from the edit queue's concurrency (which also
 * covers decoding and encoding). The server caps the patchmatch engine at one fill per process: its helper
 * worker threads are shared process-wide and two fills at once trip over each other (src/engines/
 * _patchmatch_pool.ts keeps one pending reply per helper), and one fill already uses two threads.
 */
import type { Provider } from '../providers/provider.js';
import { EditQueue } from './queue.js';

/**
 * @example
 * const provider = limitProvider(localProvider({ engine: 'patchmatch' }), 1);
 */
export function limitProvider(provider: Provider, concurrency: number): Provider {
  const slots = new EditQueue({ concurrency, maxQueued: Number.MAX_SAFE_INTEGER });
  return {
    name: provider.name,
    surface: provider.surface,
    edit: (request) => slots.reserve().run(() => provider.edit(request), request.signal),
  };
}
