/**
 * The studio plugin: serves the web app built into `web/dist` and its JSON API under `/api/*`, on the same
 * fastify instance (so the same queue, limits, error boundary and request tracking) as the OpenAI-compatible
 * routes. `maskedit studio` registers it through `buildServer({ plugins: [studioPlugin()] })`.
 *
 * - `GET /api/config` — which providers this server can run. OpenAI is offered only when the server process
 *   has `OPENAI_API_KEY`; the key itself (or any part of it) is never sent.
 * - `POST /api/check` — multipart `image` + `mask` (+ `model`): the mask doctor's report, the mask as OpenAI
 *   reads it and, when the doctor can repair it without guessing, the repaired mask.
 * - `POST /api/edit` — multipart `image`, `mask` (RGBA, alpha 0 = editable), optionally `exclude` (the "don't
 *   sample here" area in the mask's format, for the embedded engine; ignored for OpenAI), prompt parts and options: runs
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
import { stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { MultipartFile } from '@fastify/multipart';
import fastifyStatic from '@fastify/static';
import { renderPlanPreview } from '../core/heatmap.js';
import type { ProgressEvent } from '../core/progress.js';
import { countNonZero, type EditMask, type Raster } from '../core/raster.js';
import { formatSelection, parseSelection } from '../core/select.js';
import { selectObjects } from '../engines/select.js';
import { defaultModel, liveReplacements, servedModels, statusOf } from '../core/lifecycle.js';
import { COMPLEXITIES, CROP_MODES, DEFAULT_ENGINE, ENGINE_NAMES, FIDELITY_REQUESTS, MODERATIONS, PROVIDER_NAMES, QUALITIES, SUBJECTS } from '../core/choices.js';
import { decodeImage, encodeImage, probeImage } from '../io/image.js';
import { MaskError } from '../core/errors.js';
import { checkPairDecoded, repairMask, type CheckReport } from '../pipeline/check.js';
import { edit, type EditOptions, type EditResult } from '../pipeline/edit.js';
import { reportJson } from '../pipeline/write.js';
import { createProvider, type Provider } from '../providers/index.js';
import '../server/context.js';
import { ApiError, toApiError } from '../server/errors.js';
import { checkedParts } from '../server/multipart.js';
import type { SseStream } from '../server/sse.js';
import { openEditStream } from '../server/routes/edits.js';
import { failStream } from '../server/stream-failure.js';
import { admit, queuedRoute, runQueuedWork } from '../server/queued-route.js';
import type { StudioCheck as StudioCheckOf, StudioConfig, StudioModel, StudioResult as StudioResultOf, StudioSelect } from './contract.js';

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

export type { StudioConfig } from './contract.js';
export type StudioResult = StudioResultOf;
export type StudioCheck = StudioCheckOf<CheckReport>;

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
    // @fastify/static (send: ETag, Last-Modified, ranges, its own path checks) without its catch-all route: the
    // four routes below are the studio's whole static surface, each marked public (the page loads without the
    // server key; the API does not), and a missing build answers 503 with the command that builds it.
    await app.register(fastifyStatic, { serve: false, dotfiles: 'ignore' });
    const assets = join(distDir, 'assets');
    const page = async (reply: FastifyReply) => {
      if (!(await stat(join(distDir, 'index.html')).catch(() => null))?.isFile()) throw notBuilt(distDir);
      // The page always revalidates; the hashed assets it names are cached for good.
      void reply.header('cache-control', 'no-cache');
      return reply.sendFile('index.html', distDir, { cacheControl: false });
    };
    app.get('/', { config: { public: true } }, (_req, reply) => page(reply));
    app.get('/studio', { config: { public: true } }, (_req, reply) => page(reply));
    // Vite names assets by content hash: cache them forever. Only plain relative paths inside assets/ are
    // served: `..`, `.`, empty segments and backslashes (in any encoding, the router has decoded them) are a 404.
    app.get('/assets/*', { config: { public: true } }, (req, reply) => {
      const rel = (req.params as { '*': string })['*'];
      if (rel.includes('\\') || rel.split('/').some((seg) => seg === '' || seg === '.' || seg === '..') || !resolve(assets, rel).startsWith(assets + sep)) throw notFound(`assets/${rel}`);
      return reply.sendFile(rel, assets, { maxAge: '365d', immutable: true });
    });
    app.get('/favicon.svg', { config: { public: true } }, (_req, reply) => reply.sendFile('favicon.svg', distDir));

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
        const { files, fields } = await readParts(request, ctx.limits.maxImageBytes, EDIT_FILES);
        const opts = await editOptions(fields, requireFile(files, 'image'), requireFile(files, 'mask'), files.exclude);
        const ticket = await admit(app, request, [files.image, files.mask]);
        const result = await ticket.run(() => edit({
          ...opts,
          signal,
          pixels: ctx.pixels,
          ...(ctx.maxPixels !== undefined ? { maxPixels: ctx.maxPixels } : {}),
          onProgress: (e: ProgressEvent) => {
            if (!streamed) return;
            // The stream opens once the doctor and the linter passed (the plan step comes after both), so bad
            // input still gets an ordinary 4xx with OpenAI's error body.
            if (!sse && e.step === 'plan') {
              sse = openEditStream(reply, []);
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
        await failStream(request, sse, e, { signal });
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
    async function editOptions(fields: Record<string, string>, image: Uint8Array, mask: Uint8Array, exclude: Uint8Array | undefined): Promise<EditOptions> {
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
        // The "don't sample here" brush: the embedded engine's exclude mask; OpenAI cannot use it (the page says so).
        ...(providerName === 'local' && exclude?.length ? { exclude: await excludeArea(exclude, image, app.maskedit.maxPixels) } : {}),
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
async function readParts(request: FastifyRequest, maxFileBytes: number, fileNames: readonly string[] = ['image', 'mask']): Promise<{ files: Record<string, Uint8Array>; fields: Record<string, string>; names: Record<string, string> }> {
  if (!request.isMultipart()) {
    throw new ApiError({ status: 400, apiCode: 'invalid_multipart', code: 'INVALID_MULTIPART', message: 'The request is not multipart/form-data', fix: 'send the image and mask as multipart/form-data fields `image` and `mask`' });
  }
  const files: Record<string, Uint8Array> = {};
  const fields: Record<string, string> = {};
  const names: Record<string, string> = {};
  // The route's files (image, mask; an edit also exclude) and the known text fields; anything else is refused, not buffered.
  for await (const part of checkedParts(request, { limits: { fileSize: maxFileBytes, files: fileNames.length + 1, fields: TEXT_FIELDS.length, fieldSize: 1024 * 1024, parts: TEXT_FIELDS.length + fileNames.length } })) {
    if (part.type === 'file') {
      if (!fileNames.includes(part.fieldname)) {
        part.file.resume();
        throw new ApiError({ status: 400, apiCode: 'unknown_parameter', param: part.fieldname.slice(0, 100), code: 'UNKNOWN_PARAMETER', message: `Unknown parameter: '${part.fieldname.slice(0, 100)}'; the studio takes the files ${fileNames.slice(0, -1).join(', ')} and ${fileNames.at(-1)}.` });
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

/** The files `/api/edit` takes: the image, the mask and the "don't sample here" area. */
const EDIT_FILES = ['image', 'mask', 'exclude'] as const;

/**
 * The "don't sample here" area, in the mask's format (RGBA, alpha 0 marks the area): its header is checked
 * against the image's before any decoding, so a wrong file is the mask's own coded error (MASK_NO_ALPHA,
 * MASK_SIZE_MISMATCH, MASK_UNREADABLE…) naming the `exclude` field. The pipeline decodes it for the engine.
 */
async function excludeArea(exclude: Uint8Array, image: Uint8Array, maxPixels: number | undefined): Promise<Uint8Array> {
  const limit = maxPixels !== undefined ? { maxPixels } : {};
  try {
    const img = await probeImage(image, { label: 'image', ...limit });
    const area = await probeImage(exclude, { role: 'mask', label: 'exclude', ...limit });
    if (!area.hasAlpha) throw new MaskError('MASK_NO_ALPHA', "exclude has no alpha channel; the don't-sample area is where its alpha is 0", 'send it in the mask\'s format: RGBA, alpha 0 where the fill must not sample');
    if (area.width !== img.width || area.height !== img.height) {
      throw new MaskError('MASK_SIZE_MISMATCH', `exclude is ${area.width}x${area.height} but the image is ${img.width}x${img.height}`, 'paint the area on this image (it must be the image\'s size)');
    }
  } catch (e) {
    throw toApiError(e, { image: 'image', mask: 'exclude' });
  }
  return exclude;
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
  return servedModels(today)
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
