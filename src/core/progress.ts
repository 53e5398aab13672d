/** Progress of long work, reported through a callback; the CLI renders it on stderr, the studio as a bar. */
export interface ProgressEvent {
  /** Short step name, e.g. `decode`, `plan`, `fill`, `stitch`. */
  step: string;
  /** 0–1 within the step, when known. */
  fraction?: number;
  message?: string;
  /** Milliseconds the step took, on its last event. */
  ms?: number;
}

export type ProgressCallback = (event: ProgressEvent) => void;
