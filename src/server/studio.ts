/**
 * The studio plugin: serves the web app built into `web/dist` and its JSON API under `/api/*`, on the same
 * fastify instance (so the same queue, limits, error boundary and request tracking) as the OpenAI-compatible
 * routes. `maskedit studio` registers it through `buildServer({ plugins: [studioPlugin()] })`.
 *
 * - `GET /api/config` — which providers this server can run. OpenAI is offered only when the server process
 *   has `OPENAI_API_KEY`; the key itself (or any part of it) is never sent.
 * - `POST /api/check` — multipart `image` + `mask` (+ `model`): the mask doctor's report, the mask as OpenAI
 *   reads it and, when the doctor can repair it without guessing, the repaired mask.
 * - `POST /api/edit` — multipart `image`, `mask` (RGBA, alpha 0 = editable), prompt parts and options: runs
 *   `edit()` through the server's queue. With `Accept: text/event-stream` the answer is a stream of `progress`,
 *   `partial` and finally `result` (or `error`) events; otherwise one JSON `result`. Closing the request cancels
 *   the edit (the request's AbortSignal from `app.maskedit.track`).
 * - `POST /api/select` — multipart `image` + `select` (`box:X,Y,W,H` or `point:X,Y`, several joined by `;`): the
 *   smart selection (GrabCut, `engines/select.ts`) as a gray PNG (255 = selected), queued like an edit.
 *
 * @example
 * const app = await buildServer({ engine: 'telea', plugins: [studioPlugin()] });
 * const res = await app.inject({ method: 'GET', url: '/api/config' });
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { MultipartFile } from '@fastify/multipart';
import { renderPlanPreview } from '../core/heatmap.js';
import type { ProgressEvent } from '../core/progress.js';
import { countNonZero, type EditMask, type Raster } from '../core/raster.js';
import { formatSelection, parseSelection } from '../core/select.js';
import { selectObjects } from '../engines/select.js';
import { MODELS } from '../core/models.js';
import { defaultModel, liveReplacements, statusOf } from '../core/lifecycle.js';
import { COMPLEXITIES, CROP_MODES, DEFAULT_ENGINE, ENGINE_NAMES, FIDELITY_REQUESTS, MODERATIONS, PROVIDER_NAMES, QUALITIES, SUBJECTS } from '../core/choices.js';
import { decodeImage, encodeImage } from '../io/image.js';
import { checkPairDecoded, repairMask, type CheckReport } from '../pipeline/check.js';
import { edit, type EditOptions, type EditResult } from '../pipeline/edit.js';
import { reportJson } from '../pipeline/write.js';
import { createProvider, type Provider } from '../providers/index.js';
import './context.js';
import { ApiError, toApiError } from './errors.js';
import { checkedParts } from './multipart.js';
import { openSse, type SseStream } from './sse.js';
import { abortReason, admit, queuedRoute, runQueuedWork } from './queued-route.js';
import type { StudioCheck as StudioCheckOf, StudioConfig, StudioModel, StudioResult as StudioResultOf, StudioSelect } from './studio-api.js';

export interface StudioOptions {
  /** The built web app (default: `web/dist` of this package). */
  distDir?: string;
  /**
   * Where `OPENAI_API_KEY` / `OPENAI_BASE_URL` are read (`maskedit studio` passes its environment; default none,
   * so OpenAI is offered only when a key is passed). Only the server uses them; the key never reaches the page.
   */
  env?: Record<string, string | undefined>;
}

/** `web/dist` next to `src/` (and next to `dist/` once compiled: both are two levels below the package root). */
export const DEFAULT_DIST_DIR = fileURLToPath(new URL('../../web/dist/', import.meta.url));

export type { StudioConfig } from './studio-api.js';
export type StudioResult = StudioResultOf;
export type StudioCheck = StudioCheckOf<CheckReport>;

const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.map': 'application/json', '.ico': 'image/x-icon',
  '.woff2': 'font/woff2', '.txt': 'text/plain; charset=utf-8',
};

// The lists are core's (core/choices.ts), shared with the CLI's option tables.
const CHOICES: Record<string, readonly string[]> = {
  provider: PROVIDER_NAMES,
  engine: ENGINE_NAMES,
  fidelity: FIDELITY_REQUESTS,
  subject: SUBJECTS,
  crop: CROP_MODES,
  quality: QUALITIES,
  complexity: COMPLEXITIES,
  markup: ['auto'],
  moderation: MODERATIONS,
};

const TEXT_FIELDS = ['select', 'prompt', 'scene', 'change', 'preserve', 'model', 'size', 'quality', 'fidelity', 'subject', 'provider', 'engine', 'crop', 'strict', 'partial_images', 'complexity', 'markup', 'moderation', 'expand'] as const;

/**
 * @example
 * await startServer({ port: 0, plugins: [studioPlugin({ distDir: 'web/dist' })] });
 */
export function studioPlugin(options: StudioOptions = {}): FastifyPluginAsync {
  const distDir = resolve(options.distDir ?? DEFAULT_DIST_DIR);
  const env = options.env ?? {};
  const hasKey = () => Boolean(env.OPENAI_API_KEY && env.OPENAI_API_KEY.trim());

  return async (app: FastifyInstance) => {
    // ---- static files ---------------------------------------------------------------------------------
    const sendStatic = async (reply: FastifyReply, rel: string) => {
      const file = resolve(distDir, rel);
      // Never outside dist: `..` segments and encoded variants resolve outside distDir and are refused.
      if (file !== distDir && !file.startsWith(distDir.endsWith(sep) ? distDir : distDir + sep)) throw notFound(rel);
      const info = await stat(file).catch(() => null);
      if (!info?.isFile()) {
        if (rel === 'index.html') throw notBuilt(distDir);
        throw notFound(rel);
      }
      const type = MIME_TYPES[extname(file)] ?? 'application/octet-stream';
      void reply.header('content-type', type);
      // Vite names assets by content hash: cache them forever; the page itself always revalidates.
      void reply.header('cache-control', rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      return reply.send(await readFile(file));
    };
    app.get('/', { config: { public: true } }, (_req, reply) => sendStatic(reply, 'index.html'));
    app.get('/studio', { config: { public: true } }, (_req, reply) => sendStatic(reply, 'index.html'));
    app.get('/assets/*', { config: { public: true } }, (req, reply) => sendStatic(reply, join('assets', (req.params as { '*': string })['*'])));
    app.get('/favicon.svg', { config: { public: true } }, (_req, reply) => sendStatic(reply, 'favicon.svg'));

    // ---- API ------------------------------------------------------------------------------------------
    app.get('/api/config', async (): Promise<StudioConfig> => {
      const openai = hasKey();
      return {
        providers: [
          { id: 'local', label: 'Embedded engine', available: true },
          { id: 'openai', label: 'OpenAI', available: openai, ...(openai ? {} : { reason: 'start the studio with OPENAI_API_KEY set in its environment' }) },
        ],
        defaultProvider: 'local',
        engines: [...ENGINE_NAMES],
        defaultEngine: app.maskedit.engine ?? DEFAULT_ENGINE,
        defaultModel: defaultModel(app.maskedit.today()),
        today: app.maskedit.today(),
        models: studioModels(app.maskedit.today()),
        maxImageBytes: app.maskedit.limits.maxImageBytes,
      };
    });

    // A check decodes both images (100 MP each at most): it takes an edit-queue place like /api/edit, so six
    // concurrent checks cannot hold six 100 MP pairs in memory at once; a full queue answers 429.
    app.post('/api/check', queuedRoute(app), (request, reply) => runQueuedWork(app, request, reply, async (signal): Promise<StudioCheck> => {
      const { files, fields, names } = await readParts(request, app.maskedit.limits.maxImageBytes);
      return (await admit(app, request, [files.image, files.mask])).run(async () => {
      const image = requireFile(files, 'image');
      const mask = requireFile(files, 'mask');
      // The uploaded file names label the findings ("lounge-mask.png has no alpha channel").
      const { report, decoded } = await checkPairDecoded({
        image, mask, imageLabel: names.image ?? 'image', maskLabel: names.mask ?? 'mask', model: fields.model || defaultModel(app.maskedit.today()), today: app.maskedit.today(),
        ...(app.maskedit.maxPixels !== undefined ? { maxPixels: app.maskedit.maxPixels } : {}),
      });
      let repair: StudioCheck['repair'] = null;
      let repairError: StudioCheck['repairError'] = null;
      if (decoded.image && decoded.mask) {
        try {
          const r = repairMask(decoded.image, decoded.mask);
          if (r.applied.length) repair = { applied: r.applied, mask: await maskDataUrl(r.editMask) };
        } catch (e) {
          const err = toApiError(e);
          if (!report.ok) repairError = { code: err.code, message: err.message, fix: err.fix ?? '' };
        }
      }
      return { report, mask: decoded.editMask ? await maskDataUrl(decoded.editMask) : null, repair, repairError };
      }, signal);
    }));

    // The queue place is taken before the upload is read, as /v1/images/edits does: a full server says 429 at once.
    app.post('/api/edit', queuedRoute(app), async (request, reply) => {
      const ctx = app.maskedit;
      const work = ctx.track(reply.raw);
      const { signal } = work;
      const streamed = /text\/event-stream/.test(String(request.headers.accept ?? ''));
      let sse: SseStream | undefined;
      const pending: [string, unknown][] = [];
      const send = (event: string, data: unknown) => {
        if (sse) void sse.send(event, data);
        else pending.push([event, data]);
      };
      try {
        const { files, fields } = await readParts(request, ctx.limits.maxImageBytes);
        const opts = await editOptions(fields, requireFile(files, 'image'), requireFile(files, 'mask'));
        const ticket = await admit(app, request, [files.image, files.mask]);
        const result = await ticket.run(() => edit({
          ...opts,
          signal,
          ...(ctx.maxPixels !== undefined ? { maxPixels: ctx.maxPixels } : {}),
          onProgress: (e: ProgressEvent) => {
            if (!streamed) return;
            // The stream opens once the doctor and the linter passed (the plan step comes after both), so bad
            // input still gets an ordinary 4xx with OpenAI's error body.
            if (!sse && e.step === 'plan') {
              reply.hijack();
              const headers: Record<string, string> = {};
              for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = String(v);
              sse = openSse(reply.raw, headers);
              for (const [ev, data] of pending.splice(0)) void sse.send(ev, data);
            }
            send('progress', { step: e.step, ...(e.fraction !== undefined ? { fraction: e.fraction } : {}), ...(e.message ? { message: e.message } : {}), ...(e.ms !== undefined ? { ms: Math.round(e.ms) } : {}) });
          },
          onPartial: (p) => {
            if (streamed) send('partial', { index: p.index, crop: p.crop, image: `data:image/${p.outputFormat};base64,${Buffer.from(p.bytes).toString('base64')}` });
          },
        }), signal);
        const payload = await resultPayload(result);
        if (!sse) return payload;
        await sse.send('result', payload);
        sse.end();
        return reply;
      } catch (e) {
        const reason = abortReason(signal, e);
        if (!sse) throw reason;
        const err = toApiError(reason, undefined, request.id);
        if (err.status >= 500) request.log.error({ err: e instanceof Error ? { message: e.message, stack: e.stack } : String(e) }, 'studio edit failed');
        await sse.error(err.toJSON());
        sse.end();
        return reply;
      } finally {
        work.done();
        request.maskeditUpload?.();
        request.maskeditTicket?.release();
      }
    });

    // Smart selection runs here, not in the page: OpenCV stays on the server, and the work is queued like an edit.
    // Like /api/check: the selection decodes the image, so it takes an edit-queue place once its body is whole.
    app.post('/api/select', queuedRoute(app), (request, reply) => runQueuedWork(app, request, reply, async (signal) => {
      const { files, fields } = await readParts(request, app.maskedit.limits.maxImageBytes);
      const image = requireFile(files, 'image');
      return (await admit(app, request, [image])).run(() => runSelect(image, fields.select ?? '', app.maskedit.maxPixels, signal), signal);
    }));

    /** Form fields → pipeline options; every bad value is a 400 naming the field. */
    async function editOptions(fields: Record<string, string>, image: Uint8Array, mask: Uint8Array): Promise<EditOptions> {
      for (const [name, choices] of Object.entries(CHOICES)) {
        const v = fields[name];
        if (v !== undefined && v !== '' && !(choices as readonly string[]).includes(v)) throw invalidValue(name, v, choices);
      }
      const providerName = (fields.provider || 'local') as 'local' | 'openai';
      let provider: Provider | 'local' | 'openai';
      if (providerName === 'openai') {
        if (!hasKey()) {
          throw new ApiError({
            status: 400, apiCode: 'provider_unavailable', param: 'provider', code: 'PROVIDER_UNAVAILABLE',
            message: `This studio server has no OPENAI_API_KEY, so it cannot run edits on OpenAI. Fix: ${NO_KEY_FIX}`,
            fix: NO_KEY_FIX,
          });
        }
        provider = await createProvider({ provider: 'openai', apiKey: env.OPENAI_API_KEY!, ...(env.OPENAI_BASE_URL ? { baseURL: env.OPENAI_BASE_URL } : {}) });
      } else {
        provider = app.maskedit.provider;
      }
      let partialImages = 0;
      if (fields.partial_images) {
        partialImages = Number(fields.partial_images);
        if (!Number.isInteger(partialImages) || partialImages < 0 || partialImages > 3) throw invalidValue('partial_images', fields.partial_images, ['0', '1', '2', '3']);
      }
      // expand: the region that is replaced grows by this many px (0–256; docs/locality.md).
      let expand = 0;
      if (fields.expand) {
        expand = Number(fields.expand);
        if (!/^\d{1,3}$/.test(fields.expand) || expand > 256) throw new ApiError({ status: 400, apiCode: 'invalid_value', param: 'expand', code: 'INVALID_VALUE', message: `Invalid value for 'expand': expected a whole number of pixels from 0 to 256, received ${JSON.stringify(fields.expand.slice(0, 100))}.` });
      }
      if (fields.strict !== undefined && fields.strict !== '' && fields.strict !== 'true' && fields.strict !== 'false') throw invalidValue('strict', fields.strict, ['true', 'false']);
      const engine = fields.engine || app.maskedit.engine;
      const opt = (k: keyof typeof fields) => (fields[k] ? fields[k] : undefined);
      return {
        image, mask, provider,
        ...(opt('prompt') !== undefined ? { prompt: fields.prompt } : {}),
        ...(opt('scene') !== undefined ? { scene: fields.scene } : {}),
        ...(opt('change') !== undefined ? { change: fields.change } : {}),
        ...(opt('preserve') !== undefined ? { preserve: fields.preserve } : {}),
        model: fields.model || defaultModel(app.maskedit.today()),
        today: app.maskedit.today(),
        ...(opt('complexity') !== undefined ? { complexity: fields.complexity } : {}),
        ...(opt('markup') !== undefined ? { markup: 'auto' as const } : {}),
        ...(opt('moderation') !== undefined ? { moderation: fields.moderation } : {}),
        ...(opt('size') !== undefined ? { size: fields.size } : {}),
        ...(opt('quality') !== undefined ? { quality: fields.quality } : {}),
        ...(opt('fidelity') !== undefined ? { fidelity: fields.fidelity as 'auto' | 'low' | 'high' } : {}),
        ...(opt('subject') !== undefined ? { subject: fields.subject as EditOptions['subject'] } : {}),
        ...(opt('crop') !== undefined ? { crop: fields.crop as 'auto' | 'off' } : {}),
        ...(fields.strict === 'false' ? { strict: false } : {}),
        ...(expand ? { expand } : {}),
        ...(providerName === 'local' && engine ? { engine } : {}),
        ...(providerName === 'openai' && partialImages ? { partialImages } : {}),
      };
    }
  };
}

/** `POST /api/select`: `select` holds one or more `box:X,Y,W,H` / `point:X,Y` separated by `;`. */
async function runSelect(image: Uint8Array, select: string, maxPixels: number | undefined, signal: AbortSignal): Promise<StudioSelect> {
  const texts = select.split(';').map((t) => t.trim()).filter(Boolean);
  if (!texts.length || texts.length > 16) {
    throw new ApiError({ status: 400, apiCode: 'invalid_value', param: 'select', code: 'SELECT_INVALID', message: `Invalid value for 'select': expected 1 to 16 of box:X,Y,W,H or point:X,Y separated by ';', received ${texts.length}.` });
  }
  const selections = texts.map(parseSelection);
  const decoded = await decodeImage(image, { label: 'image', ...(maxPixels !== undefined ? { maxPixels } : {}) });
  const { mask, parts } = await selectObjects(decoded.raster, selections, { signal });
  const n = mask.width * mask.height;
  return {
    width: mask.width, height: mask.height, mask: await maskDataUrl(mask), fraction: countNonZero(mask) / n,
    parts: parts.map((p) => ({ select: formatSelection(p.selection), box: p.box, pixels: p.pixels, ms: p.ms })),
  };
}

async function resultPayload(result: EditResult): Promise<StudioResult> {
  const plan = renderPlanPreview(result.input.raster, result.editMask, result.report.crops);
  const [out, raw, heat, planPng] = await Promise.all([result.outputs[0]!, result.raw[0]!, result.heatmap, plan].map((r) => pngDataUrl(r)));
  return {
    width: result.input.raster.width,
    height: result.input.raster.height,
    images: { result: out!, raw: raw!, heatmap: heat!, plan: planPng! },
    report: reportJson(result),
    crops: result.report.crops.map((c) => ({ x: c.x, y: c.y, width: c.width, height: c.height, sendWidth: c.sendWidth, sendHeight: c.sendHeight })),
  };
}

async function pngDataUrl(r: Raster): Promise<string> {
  return `data:image/png;base64,${(await encodeImage(r, { format: 'png', compressionLevel: 3 })).toString('base64')}`;
}

const maskDataUrl = (m: EditMask) => pngDataUrl(m);

/** Buffers the multipart body: files by field name (each capped), text fields as strings. */
async function readParts(request: FastifyRequest, maxFileBytes: number): Promise<{ files: Record<string, Uint8Array>; fields: Record<string, string>; names: Record<string, string> }> {
  if (!request.isMultipart()) {
    throw new ApiError({ status: 400, apiCode: 'invalid_multipart', code: 'INVALID_MULTIPART', message: 'The request is not multipart/form-data', fix: 'send the image and mask as multipart/form-data fields `image` and `mask`' });
  }
  const files: Record<string, Uint8Array> = {};
  const fields: Record<string, string> = {};
  const names: Record<string, string> = {};
  // Two files (image, mask) and the known text fields; anything else is refused, not buffered.
  for await (const part of checkedParts(request, { limits: { fileSize: maxFileBytes, files: 3, fields: TEXT_FIELDS.length, fieldSize: 1024 * 1024, parts: TEXT_FIELDS.length + 2 } })) {
    if (part.type === 'file') {
      if (part.fieldname !== 'image' && part.fieldname !== 'mask') {
        part.file.resume();
        throw new ApiError({ status: 400, apiCode: 'unknown_parameter', param: part.fieldname.slice(0, 100), code: 'UNKNOWN_PARAMETER', message: `Unknown parameter: '${part.fieldname.slice(0, 100)}'; the studio takes the files image and mask.` });
      }
      files[part.fieldname] = await (part as MultipartFile).toBuffer();
      const name = part.filename.replace(/[^\w. ()-]+/g, '_').slice(0, 80);
      if (name && name !== 'blob') names[part.fieldname] = name;
    } else if ((TEXT_FIELDS as readonly string[]).includes(part.fieldname) && typeof part.value === 'string') {
      fields[part.fieldname] = part.value;
    } else {
      throw new ApiError({ status: 400, apiCode: 'unknown_parameter', param: part.fieldname.slice(0, 100), code: 'UNKNOWN_PARAMETER', message: `Unknown parameter: '${part.fieldname.slice(0, 100)}'.` });
    }
  }
  return { files, fields, names };
}

function requireFile(files: Record<string, Uint8Array>, name: 'image' | 'mask'): Uint8Array {
  const f = files[name];
  if (f && f.length) return f;
  throw new ApiError({
    status: 400, apiCode: 'missing_required_parameter', param: name, code: name === 'image' ? 'IMAGE_REQUIRED' : 'MASK_REQUIRED',
    message: `Missing required parameter: '${name}'.`,
    fix: name === 'image' ? 'attach the picture to edit as the multipart file `image`' : 'attach an RGBA PNG mask (alpha 0 = editable) as the multipart file `mask`',
  });
}

function invalidValue(param: string, value: string, choices: readonly string[]): ApiError {
  return new ApiError({
    status: 400, apiCode: 'invalid_value', param, code: 'INVALID_VALUE',
    message: `Invalid value for '${param}': expected one of ${choices.map((c) => `'${c}'`).join(', ')}, received ${JSON.stringify(value.slice(0, 100))}.`,
  });
}

function notFound(rel: string): ApiError {
  return new ApiError({ status: 404, apiCode: null, code: 'NOT_FOUND', message: `Invalid URL (GET /${rel})` });
}

const NO_KEY_FIX = 'restart it with the key in its environment (OPENAI_API_KEY=sk-… maskedit studio), or pick the embedded engine';
const NOT_BUILT_FIX = 'run `npm run build` in the maskedit folder, then start `maskedit studio` again';

function notBuilt(distDir: string): ApiError {
  return new ApiError({
    status: 503, apiCode: 'studio_not_built', code: 'STUDIO_NOT_BUILT',
    message: `The studio's web app is not built (no index.html in ${distDir}). Fix: ${NOT_BUILT_FIX}`,
    fix: NOT_BUILT_FIX,
  });
}

/** The registry's models live on `today`, for the studio's model list, controls and advice. */
export function studioModels(today: string): StudioModel[] {
  return MODELS.filter((m) => statusOf(m, today) !== 'shutdown')
    .sort((a, b) => (a.lifecycle.released < b.lifecycle.released ? 1 : a.lifecycle.released > b.lifecycle.released ? -1 : 0))
    .map((m) => ({
      id: m.id,
      status: statusOf(m, today) as 'active' | 'deprecated',
      shutdownDate: m.lifecycle.shutdown,
      replacements: statusOf(m, today) === 'active' ? [] : liveReplacements(m.id, today),
      note: m.note,
      qualities: [...m.qualities],
      complexity: m.params.complexity ? m.params.complexity.map(String) : null,
      markup: m.params.markup !== null,
      inputFidelity: m.inputFidelity,
      sizes: [...m.sizes],
      maxPromptChars: m.maxPromptChars,
    }));
}
