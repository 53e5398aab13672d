/**
 * Every error maskedit raises on purpose carries a stable upper-snake-case `code` and a `fix` the user can act
 * on. Layers subclass it (`ImageError`, `MaskError`, `ProviderError`, `CliError`, …) so callers can tell where
 * a failure came from; the CLI and the server turn any of them into their own output without a stack trace.
 */
import type { Code } from './codes.js';

export class MaskeditError extends Error {
  /** A row of the code table (src/core/codes.ts) or a passed-through OpenAI code. */
  readonly code: Code;
  readonly fix: string | undefined;
  constructor(code: Code, message: string, fix?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MaskeditError';
    this.code = code;
    this.fix = fix;
  }
}

/** An input image that cannot be used (unreadable, unsupported, too large). */
export class ImageError extends MaskeditError {
  constructor(code: Code, message: string, fix?: string, options?: { cause?: unknown }) {
    super(code, message, fix, options);
    this.name = 'ImageError';
  }
}

/** A mask that cannot be used or built. */
export class MaskError extends MaskeditError {
  constructor(code: Code, message: string, fix?: string, options?: { cause?: unknown }) {
    super(code, message, fix, options);
    this.name = 'MaskError';
  }
}

/** The operation was cancelled through its AbortSignal. */
export class AbortError extends MaskeditError {
  constructor(message = 'the operation was cancelled') {
    super('ABORTED', message);
    this.name = 'AbortError';
  }
}

/** The part of AbortSignal core needs; core has no DOM or Node types, so it names the shape itself. */
export interface SignalLike {
  readonly aborted: boolean;
}

/** Throws {@link AbortError} when the signal has fired; call it between steps of long work. */
export function throwIfAborted(signal: SignalLike | undefined): void {
  if (signal?.aborted) throw new AbortError();
}

export function isMaskeditError(e: unknown): e is MaskeditError {
  return e instanceof MaskeditError;
}
