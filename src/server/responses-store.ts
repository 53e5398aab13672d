/**
 * Stored responses for `POST /v1/responses` (`store: true`, the default): the Response object `GET
 * /v1/responses/{id}` returns, plus what a follow-up with `previous_response_id` continues from — the last
 * generated image and the mask it was made with. Kept in memory: a bounded map (oldest evicted first) whose
 * entries expire after `ttlSeconds`, so a long-running server does not grow without limit. OpenAI keeps
 * responses for 30 days; a local server restarted loses them, and a follow-up then gets a clear 404.
 */

export interface StoredResponse {
  /** The Response object as sent. */
  response: Record<string, unknown>;
  /** The last generated image, encoded (the response's output_format). */
  image?: Uint8Array;
  /** The mask (API convention, PNG) the image was made with, reused by a follow-up that sends none. */
  mask?: Uint8Array;
  expiresAt: number;
}

export interface ResponseStoreOptions {
  /** Lifetime of a stored response, seconds (default 3600). */
  ttlSeconds?: number;
  /** Responses kept at once (default 64; each holds an image). */
  maxEntries?: number;
  /** Clock in ms (tests). */
  now?: () => number;
}

export const DEFAULT_RESPONSE_TTL_SECONDS = 3600;
export const DEFAULT_MAX_STORED_RESPONSES = 64;

/**
 * @example
 * const store = new ResponseStore({ ttlSeconds: 600 });
 * store.put('resp_1', { response, image, mask });
 * store.get('resp_1')?.response.status // 'completed'
 */
export class ResponseStore {
  readonly ttlSeconds: number;
  readonly maxEntries: number;
  private readonly now: () => number;
  private readonly entries = new Map<string, StoredResponse>();

  constructor(opts: ResponseStoreOptions = {}) {
    this.ttlSeconds = opts.ttlSeconds ?? DEFAULT_RESPONSE_TTL_SECONDS;
    this.maxEntries = Math.max(1, opts.maxEntries ?? DEFAULT_MAX_STORED_RESPONSES);
    this.now = opts.now ?? Date.now;
  }

  put(id: string, entry: Omit<StoredResponse, 'expiresAt'>): void {
    this.sweep();
    this.entries.delete(id);
    this.entries.set(id, { ...entry, expiresAt: this.now() + this.ttlSeconds * 1000 });
    // Map iteration is insertion order: the first key is the oldest.
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  /** The entry, or undefined when unknown or expired. */
  get(id: string): StoredResponse | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    if (e.expiresAt <= this.now()) {
      this.entries.delete(id);
      return undefined;
    }
    return e;
  }

  delete(id: string): boolean {
    return this.get(id) !== undefined && this.entries.delete(id);
  }

  get size(): number {
    this.sweep();
    return this.entries.size;
  }

  private sweep(): void {
    const t = this.now();
    for (const [id, e] of this.entries) if (e.expiresAt <= t) this.entries.delete(id);
  }
}
