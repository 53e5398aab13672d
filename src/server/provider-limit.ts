/**
 * A cap on how many `provider.edit` calls run at once, separate from the edit queue's concurrency (which also
 * covers decoding and encoding). The server caps the patchmatch engine at one fill per process by default: one
 * fill already uses both cores (main thread + helper worker), so a second concurrent fill would only halve the
 * speed of each and double the memory held (concurrent fills are correct: the helper is leased to one fill at a
 * time, see src/engines/_patchmatch_pool.ts).
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
    ...(provider.native ? { native: true } : {}),
    edit: (request) => slots.reserve().run(() => provider.edit(request), request.signal),
  };
}
