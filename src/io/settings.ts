/**
 * Process-wide settings an entry point reads from its environment once and hands down here: the CLI's `run()`
 * (src/cli/main.ts) calls {@link configureSettings}`(settingsFromEnv(env))` before any command runs. Modules
 * below the entry points read {@link settings}, never `process.env` (docs/architecture.md; pinned by
 * test/env-reads.test.ts). A library user who sets nothing gets the documented defaults.
 *
 * | variable | setting | default |
 * |---|---|---|
 * | `MASKEDIT_MAX_PIXELS` | `maxPixels`: pixel limit per decoded image | 100 MP |
 * | `MASKEDIT_ENGINE_MEMORY_MB` | `engineBudgetBytes`: the embedded engine's memory budget | 1 GiB |
 * | `XDG_DATA_HOME`, `HOME` | `dataHome`: the per-user data folder (src/store/location.ts) | `~/.local/share/maskedit` |
 *
 * @example
 * configureSettings(settingsFromEnv({ MASKEDIT_MAX_PIXELS: '50000000' }));
 * settings().maxPixels; // 50000000
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

export const DEFAULT_MAX_PIXELS = 100_000_000;
export const DEFAULT_ENGINE_BUDGET_BYTES = 1024 * 1024 * 1024;

export interface Settings {
  /** Refuse images with more pixels than this (read from the header, before decoding). */
  maxPixels: number;
  /** Peak bytes the embedded engine may use on one fill (engines/budget.ts). */
  engineBudgetBytes: number;
  /** The per-user data folder, `…/maskedit` (not created). */
  dataHome: string;
}

type Env = Readonly<Record<string, string | undefined>>;

const positive = (raw: string | undefined): number | undefined => {
  const v = Number(raw);
  return raw !== undefined && raw.trim() !== '' && Number.isFinite(v) && v > 0 ? v : undefined;
};

/** `$XDG_DATA_HOME/maskedit` when XDG_DATA_HOME is an absolute path, else `$HOME/.local/share/maskedit`. */
export function dataHomeFrom(env: Env): string {
  const xdg = env.XDG_DATA_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'maskedit');
  return join(env.HOME && isAbsolute(env.HOME) ? env.HOME : homedir(), '.local', 'share', 'maskedit');
}

/** The settings an environment asks for; a variable that is unset, empty or not a positive number keeps the default. */
export function settingsFromEnv(env: Env): Settings {
  const mb = positive(env.MASKEDIT_ENGINE_MEMORY_MB);
  return {
    maxPixels: positive(env.MASKEDIT_MAX_PIXELS) ?? DEFAULT_MAX_PIXELS,
    engineBudgetBytes: mb !== undefined ? mb * 1024 * 1024 : DEFAULT_ENGINE_BUDGET_BYTES,
    dataHome: dataHomeFrom(env),
  };
}

const defaults = (): Settings => ({ maxPixels: DEFAULT_MAX_PIXELS, engineBudgetBytes: DEFAULT_ENGINE_BUDGET_BYTES, dataHome: dataHomeFrom({}) });

let current: Settings = defaults();

/** Sets the process's settings; what `s` leaves out goes back to its default. */
export function configureSettings(s: Partial<Settings> = {}): void {
  current = { ...defaults(), ...Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)) };
}

export function settings(): Readonly<Settings> {
  return current;
}
