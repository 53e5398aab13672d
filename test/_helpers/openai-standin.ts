/**
 * A light OpenAI stand-in for batch tests and the batch bench: `POST /v1/images/edits` (multipart or JSON) with
 * a fixed latency and a rate limit enforced like OpenAI's (a token bucket of `rpm` per minute, one second's
 * worth of burst; over the limit: 429 `rate_limit_exceeded` with Retry-After / retry-after-ms). It answers
 * with a flat grey PNG at the requested size (encoded once per size, so the stand-in costs almost no CPU) and
 * counts how often each job was sent: the job id is the `[id]` tag in the prompt.
 *
 * @example
 * const s = await startStandin({ latencyMs: 1000, rpm: 600 });
 * // OPENAI_BASE_URL=s.url … then: s.sentTwice(), s.accepted.length, s.limited
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

export interface StandinOptions {
  latencyMs?: number;
  /** Requests per minute the stand-in accepts; undefined = no limit. */
  rpm?: number;
}

export interface Standin {
  url: string;
  /** Accepted edit requests: job id and arrival time (ms since start). */
  accepted: { id: string; at: number }[];
  /** 429s sent. */
  limited: number;
  /** Requests being answered right now, and the most at once. */
  inFlight: number;
  maxInFlight: number;
  /** How many times each job id was accepted. */
  counts(): Map<string, number>;
  /** Ids accepted more than once. */
  sentTwice(): string[];
  close(): Promise<void>;
}

export async function startStandin(opts: StandinOptions = {}): Promise<Standin> {
  const pngs = new Map<string, Promise<string>>();
  const pngFor = (w: number, h: number) => {
    const k = `${w}x${h}`;
    if (!pngs.has(k)) pngs.set(k, sharp({ create: { width: w, height: h, channels: 4, background: { r: 128, g: 128, b: 128, alpha: 1 } } }).png({ compressionLevel: 1 }).toBuffer().then((b) => b.toString('base64')));
    return pngs.get(k)!;
  };
  const t0 = Date.now();
  const burst = Math.max(1, Math.floor((opts.rpm ?? 60) / 60));
  let tokens = burst, last = Date.now();
  const s: Standin = {
    url: '', accepted: [], limited: 0, inFlight: 0, maxInFlight: 0,
    counts() {
      const m = new Map<string, number>();
      for (const a of s.accepted) m.set(a.id, (m.get(a.id) ?? 0) + 1);
      return m;
    },
    sentTwice: () => [...s.counts()].filter(([, n]) => n > 1).map(([id]) => id),
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('latin1');
      if (req.method !== 'POST' || !req.url?.endsWith('/images/edits')) {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error', param: null, code: null } }));
        return;
      }
      if (opts.rpm) {
        const now = Date.now();
        tokens = Math.min(burst, tokens + ((now - last) * opts.rpm) / 60_000);
        last = now;
        if (tokens < 1) {
          s.limited++;
          const waitMs = Math.ceil(((1 - tokens) * 60_000) / opts.rpm);
          res.writeHead(429, { 'content-type': 'application/json', 'retry-after-ms': String(waitMs), 'retry-after': String(Math.ceil(waitMs / 1000)) })
            .end(JSON.stringify({ error: { message: `Rate limit reached: ${opts.rpm} requests per minute`, type: 'requests', param: null, code: 'rate_limit_exceeded' } }));
          return;
        }
        tokens -= 1;
      }
      const prompt = /name="prompt"\r\n\r\n([^\r]*)/.exec(body)?.[1] ?? /"prompt":"((?:[^"\\]|\\.)*)"/.exec(body)?.[1] ?? '';
      const size = /name="size"\r\n\r\n(\d+)x(\d+)/.exec(body) ?? /"size":"(\d+)x(\d+)"/.exec(body);
      const id = /\[([\w.-]+)\]/.exec(prompt)?.[1] ?? '?';
      s.accepted.push({ id, at: Date.now() - t0 });
      s.inFlight++;
      s.maxInFlight = Math.max(s.maxInFlight, s.inFlight);
      const w = size ? Number(size[1]) : 1024, h = size ? Number(size[2]) : 1024;
      setTimeout(() => {
        void pngFor(w, h).then((b64) => {
          s.inFlight--;
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
            created: Math.floor(Date.now() / 1000), data: [{ b64_json: b64 }],
            usage: { input_tokens: 400, output_tokens: 272, total_tokens: 672, input_tokens_details: { image_tokens: 350, text_tokens: 50 } },
          }));
        });
      }, opts.latencyMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  s.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return s;
}
