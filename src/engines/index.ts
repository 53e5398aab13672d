/** Engine lookup; each engine module loads lazily (OpenCV's WASM only when telea/ns is asked for). */
import { MaskeditError } from '../core/errors.js';
import { DEFAULT_ENGINE, ENGINE_NAMES, type Engine, type EngineName } from './engine.js';
import { withBudget } from './budget.js';

export * from './engine.js';

/** The engine, inside its memory budget and coded-error boundary (budget.ts). */
export async function getEngine(name: string = DEFAULT_ENGINE): Promise<Engine> {
  switch (name as EngineName) {
    case 'heal':
      return (await import('./heal.js')).healEngine;
    case 'patchmatch':
      return withBudget((await import('./patchmatch.js')).patchmatchEngine);
    case 'telea':
    case 'ns':
      return withBudget((await import('./opencv.js')).opencvEngine(name as 'telea' | 'ns'));
    default:
      throw new MaskeditError('ENGINE_UNKNOWN', `unknown engine ${JSON.stringify(name)}; expected one of ${ENGINE_NAMES.join(', ')}`, `use --engine heal (the default), patchmatch, telea or ns`);
  }
}
