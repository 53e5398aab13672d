/**
 * Server-sent events the way OpenAI streams image edits: `event: <type>` and one `data: <json>` line per
 * event, a blank line between events (WHATWG HTML §9.2 "Server-sent events"). The openai SDK parses `data` as
 * JSON and raises `APIError` for a payload with an `error` key, so a failure after the stream started is sent
 * as `event: error` with OpenAI's error body.
 */
import type { ServerResponse } from 'node:http';
import type { OpenAIErrorBody } from './errors.js';
import { stringifyWithBase64 } from './json.js';

/** One SSE frame. JSON never contains a raw newline, so a single `data:` line is always enough. */
export function sseFrame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${stringifyWithBase64(data)}\n\n`;
}

/**
 * An open event stream on a raw response. Writes respect backpressure: `send` resolves once the frame is
 * handed to the socket (or the client is gone).
 *
 * @example
 * const sse = openSse(reply.raw);
 * await sse.send('image_edit.partial_image', event);
 * sse.end();
 */
export interface SseStream {
  send(event: string, data: unknown): Promise<void>;
  error(body: OpenAIErrorBody): Promise<void>;
  end(): void;
  readonly closed: boolean;
}

export function openSse(res: ServerResponse, headers: Record<string, string> = {}): SseStream {
  res.writeHead(200, {
    ...headers,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    // Tell proxies such as nginx not to buffer the stream.
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  const write = (chunk: string) => new Promise<void>((resolve) => {
    if (res.destroyed || res.writableEnded) return resolve();
    if (res.write(chunk)) return resolve();
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
  return {
    send: (event, data) => write(sseFrame(event, data)),
    error: (body) => write(sseFrame('error', body)),
    end: () => {
      if (!res.writableEnded) res.end();
    },
    get closed() {
      return res.destroyed || res.writableEnded;
    },
  };
}
