import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { sniffFormat } from '../../../src/io/image.js';
import { localProvider } from '../../../src/providers/local.js';
import type { Provider } from '../../../src/providers/provider.js';
import { WARNINGS_HEADER } from '../../../src/server/index.js';
import { boxMask, dataUrl, noisyPng, postMultipart, testServer, type Part, type TestServer } from '../_fixtures.js';
import { until } from '../../_helpers/wait.js';

const PROMPT = 'A plain studio wall with a smooth gradient. Preserve the lighting and the edges. Do not change anything else.';
let server: TestServer;
let image: Buffer;
let mask: Buffer;

beforeAll(async () => {
  // Judged on a fixed date so the lifecycle answers do not change with the calendar (gpt-image-1.5: deprecated).
  server = await testServer({ today: '2026-11-30' });
  image = await noisyPng();
  mask = await boxMask();
});
afterAll(() => server.close());

const base = (): [string, Part][] => [['image', { bytes: image }], ['mask', { bytes: mask }], ['prompt', PROMPT]];
const withField = (name: string, value: string): [string, Part][] => [...base(), [name, value]];

async function decodeB64(b64: string) {
  const bytes = Buffer.from(b64, 'base64');
  const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { bytes, data, info };
}

describe('POST /v1/images/edits (multipart)', () => {
  it('accepts a markup file part for a model that takes markup (the embedded engine fills from the mask)', async () => {
    const res = await postMultipart(server.app, '/v1/images/edits', [...withField('model', 'gpt-image-2.6-flare'), ['markup', { bytes: mask, filename: 'markup.png', type: 'image/png' }]]);
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toHaveLength(1);
  });

  it('answers an ImagesResponse: the whole image at the requested size, usage from the cost model', async () => {
    const res = await postMultipart(server.app, '/v1/images/edits', withField('size', '1024x1024'));
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['background', 'created', 'data', 'output_format', 'quality', 'size', 'usage']);
    expect(body).toMatchObject({ size: '1024x1024', output_format: 'png', background: 'opaque', quality: 'high' });
    expect(Math.abs(body.created - Date.now() / 1000)).toBeLessThan(60);
    // 256² input: shortest side to 512 → one tile → 65 + 129 = 194 image tokens; prompt chars / 4; high 1024² = 4160.
    const text = Math.ceil(PROMPT.length / 4);
    expect(body.usage).toEqual({ input_tokens: 194 + text, output_tokens: 4160, total_tokens: 194 + text + 4160, input_tokens_details: { image_tokens: 194, text_tokens: text } });
    expect(body.data).toHaveLength(1);
    const out = await decodeB64(body.data[0].b64_json);
    expect(sniffFormat(out.bytes)).toEqual({ format: 'png' });
    expect([out.info.width, out.info.height]).toEqual([1024, 1024]);
    // Not stitched back at 256²: the whole picture at the model's size, so its kept area is the input scaled up
    // (compared with the input scaled the same way) and only the hole differs.
    const up = await sharp(image).resize(1024, 1024, { fit: 'fill', kernel: 'lanczos3' }).ensureAlpha().raw().toBuffer();
    let keptDiff = 0, kept = 0, holeDiff = 0, hole = 0;
    for (let y = 0; y < 1024; y++) for (let x = 0; x < 1024; x++) {
      const i = (y * 1024 + x) * 4;
      const d = Math.abs(out.data[i + 1]! - up[i + 1]!);
      // The hole is 96..160 at 256², 384..640 here; skip a 16-px band where the resampling kernel mixes both.
      if (x >= 384 && x < 640 && y >= 384 && y < 640) { holeDiff += d; hole++; }
      else if (!(x >= 368 && x < 656 && y >= 368 && y < 656)) { keptDiff += d; kept++; }
    }
    expect(keptDiff / kept).toBeLessThan(1);
    expect(holeDiff / hole).toBeGreaterThan(20);
  });

  it.each([
    ['jpeg', '40', 'jpeg'],
    ['webp', '40', 'webp'],
  ] as const)('encodes output_format=%s with output_compression', async (format, compression, sniffed) => {
    const small = await postMultipart(server.app, '/v1/images/edits', [...withField('output_format', format), ['output_compression', compression], ['size', '1024x1024']]);
    const large = await postMultipart(server.app, '/v1/images/edits', [...withField('output_format', format), ['output_compression', '100'], ['size', '1024x1024']]);
    expect(small.statusCode).toBe(200);
    const a = Buffer.from(small.json().data[0].b64_json, 'base64');
    const b = Buffer.from(large.json().data[0].b64_json, 'base64');
    expect(sniffFormat(a)).toEqual({ format: sniffed });
    expect(small.json().output_format).toBe(format);
    expect(a.length).toBeLessThan(b.length);
  });

  it('returns n images and accepts image[] with reference images', async () => {
    const res = await postMultipart(server.app, '/v1/images/edits', [['image[]', { bytes: image }], ['image[]', { bytes: await noisyPng(128, 128, 'jpeg') }], ['mask', { bytes: mask }], ['prompt', PROMPT], ['n', '2'], ['size', '1536x1024']]);
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toHaveLength(2);
    expect(res.json().size).toBe('1536x1024');
  });

  it('keeps transparency for background=transparent and flattens it for opaque', async () => {
    const rgba = Buffer.alloc(256 * 256 * 4, 200);
    for (let i = 3; i < rgba.length; i += 4) rgba[i] = i < rgba.length / 2 ? 0 : 255; // top half transparent
    const see = await sharp(rgba, { raw: { width: 256, height: 256, channels: 4 } }).png().toBuffer();
    const run = (bg: string) => postMultipart(server.app, '/v1/images/edits', [['image', { bytes: see }], ['mask', { bytes: mask }], ['prompt', PROMPT], ['background', bg], ['size', '1024x1024']]);
    const transparent = await run('transparent');
    const opaque = await run('opaque');
    expect(transparent.json().background).toBe('transparent');
    expect(opaque.json().background).toBe('opaque');
    const o = await decodeB64(opaque.json().data[0].b64_json);
    expect(o.data[3]).toBe(255);
    expect(o.data[0]).toBe(255); // transparent pixels become white
    const t = await decodeB64(transparent.json().data[0].b64_json);
    expect(t.data[3]).toBe(0);
  });

  it('lists the doctor\'s and linter\'s warning codes in a header', async () => {
    const res = await postMultipart(server.app, '/v1/images/edits', [['image', { bytes: image }], ['mask', { bytes: mask }], ['prompt', 'Put a flamingo in the pool.']]);
    expect(res.statusCode).toBe(200);
    expect(res.headers[WARNINGS_HEADER]).toContain('PROMPT_HOLE_ONLY');
    expect(res.headers['x-request-id']).toMatch(/^req_[0-9a-f]{24}$/);
  });

  it('streams partial images then image_edit.completed as server-sent events', async () => {
    const res = await postMultipart(server.app, '/v1/images/edits', [...withField('stream', 'true'), ['partial_images', '2'], ['size', '1024x1024'], ['quality', 'low']]);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const events = res.body.trim().split('\n\n').map((frame) => {
      const [ev, data] = frame.split('\n');
      return { event: ev!.replace(/^event: /, ''), data: JSON.parse(data!.replace(/^data: /, '')) };
    });
    expect(events.map((e) => e.event)).toEqual(['image_edit.partial_image', 'image_edit.partial_image', 'image_edit.completed']);
    expect(events.map((e) => e.data.type)).toEqual(events.map((e) => e.event));
    expect(events[0]!.data).toMatchObject({ partial_image_index: 0, size: '1024x1024', quality: 'low', background: 'auto', output_format: 'png' });
    expect(events[1]!.data.partial_image_index).toBe(1);
    const done = events[2]!.data;
    expect(Object.keys(done).sort()).toEqual(['b64_json', 'background', 'created_at', 'output_format', 'quality', 'size', 'type', 'usage']);
    // low 1024² = 272 output tokens, +100 per partial image.
    expect(done.usage.output_tokens).toBe(272 + 2 * 100);
    expect((await decodeB64(done.b64_json)).info.width).toBe(1024);
    // Previews sharpen towards the final image.
    const final = (await decodeB64(done.b64_json)).data;
    const dist = async (b64: string) => {
      const d = (await decodeB64(b64)).data;
      let s = 0;
      for (let i = 0; i < d.length; i += 4) s += Math.abs(d[i + 1]! - final[i + 1]!);
      return s;
    };
    expect(await dist(events[0]!.data.b64_json)).toBeGreaterThan(await dist(events[1]!.data.b64_json));
  });
});

describe('POST /v1/images/edits errors (OpenAI codes, params and messages)', () => {
  let gif: Buffer;
  beforeAll(async () => {
    gif = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } }).gif().toBuffer();
  });

  it.each<[string, () => Promise<[string, Part][]>, number, string | null, string | null, string | RegExp]>([
    ['no prompt', async () => [['image', { bytes: image }], ['mask', { bytes: mask }]], 400, 'missing_required_parameter', 'prompt', "Missing required parameter: 'prompt'."],
    ['no image', async () => [['mask', { bytes: mask }], ['prompt', PROMPT]], 400, 'missing_required_parameter', 'image', "Missing required parameter: 'image'."],
    ['no mask', async () => [['image', { bytes: image }], ['prompt', PROMPT]], 400, 'missing_required_parameter', 'mask', /^Missing required parameter: 'mask'\. maskedit serve fills/],
    ['mask of another size', async () => [['image', { bytes: image }], ['mask', { bytes: await boxMask(128, 128, { x: 0, y: 0, w: 10, h: 10 }) }], ['prompt', PROMPT]], 400, 'invalid_mask_image_format', 'mask', 'Invalid mask image format - mask size does not match image size'],
    ['mask without alpha', async () => [['image', { bytes: image }], ['mask', { bytes: await boxMask(256, 256, undefined, { alpha: false }) }], ['prompt', PROMPT]], 400, 'invalid_mask_image_format', 'mask', 'Invalid mask image format - mask image missing alpha channel'],
    ['GIF image', async () => [['image', { bytes: gif }], ['mask', { bytes: mask }], ['prompt', PROMPT]], 400, 'unsupported_file_mimetype', 'image', /^Invalid file 'image': unsupported mimetype \(image is GIF; expected PNG, JPEG or WebP\)\. Supported file formats are 'image\/jpeg', 'image\/png', and 'image\/webp'\.$/],
    ['undecodable image', async () => [['image', { bytes: Buffer.from('not an image at all') }], ['mask', { bytes: mask }], ['prompt', PROMPT]], 400, 'invalid_image_file', 'image', /^Invalid image file or mode for 'image', please check your image file/],
    ['prompt over 32000 characters', async () => withField('prompt', 'a'.repeat(32001)).filter(([k], i) => k !== 'prompt' || i > 2), 400, 'string_above_max_length', 'prompt', "Invalid 'prompt': string too long. Expected a string with maximum length 32000, but got a string with length 32001 instead."],
    ['input_fidelity on gpt-image-2', async () => [...withField('model', 'gpt-image-2'), ['input_fidelity', 'high']], 400, 'invalid_input_fidelity_model', 'input_fidelity', "Input fidelity is not supported for model 'gpt-image-2'. Remove 'input_fidelity' or use one of 'gpt-image-1.5'."],
    ['n above 10', async () => withField('n', '11'), 400, 'integer_above_max_value', 'n', "Invalid 'n': integer above maximum value. Expected a value <= 10, but got 11 instead."],
    ['n not a number', async () => withField('n', 'two'), 400, 'invalid_type', 'n', "Invalid type for 'n': expected an integer, but got a string instead."],
    ['unsupported size (fixed sizes)', async () => [...withField('size', '999x999'), ['model', 'gpt-image-1.5']], 400, 'invalid_value', 'size', "Invalid value: '999x999'. Supported values are: '1024x1024', '1536x1024', '1024x1536', and 'auto'."],
    ['unsupported size (the 2.x grid, default model)', async () => withField('size', '999x999'), 400, 'invalid_value', 'size', "Invalid value: '999x999'. both sides must be divisible by 16, received 999x999."],
    ['a 2.x size under the pixel floor', async () => withField('size', '512x512'), 400, 'invalid_value', 'size', "Invalid value: '512x512'. total pixels must be 655,360–8,294,400, received 512x512 (262,144)."],
    ['unknown quality', async () => withField('quality', 'ultra'), 400, 'invalid_value', 'quality', "Invalid value: 'ultra'. Supported values are: 'low', 'medium', 'high', 'xhigh', 'max', and 'auto'."],
    ['quality xhigh on gpt-image-2', async () => [...withField('quality', 'xhigh'), ['model', 'gpt-image-2']], 400, 'invalid_value', 'quality', "Invalid value: 'xhigh'. Supported values are: 'low', 'medium', 'high', and 'auto'."],
    ['complexity on 2.5', async () => [...withField('complexity', 'low'), ['model', 'gpt-image-2.5-sunburst']], 400, 'invalid_value', 'complexity', "complexity is not supported for model 'gpt-image-2.5-sunburst'. Remove 'complexity' or use one of 'gpt-image-2.6-sunburst' and 'gpt-image-2.6-flare'."],
    ['complexity out of range', async () => withField('complexity', 'extreme'), 400, 'invalid_value', 'complexity', "Invalid value: 'extreme'. Supported values are: 'low', 'medium', and 'high'."],
    ['moderation on multipart', async () => withField('moderation', 'low'), 400, 'unknown_parameter', 'moderation', "Unknown parameter: 'moderation'."],
    ['a shut-down model (gpt-image-1)', async () => withField('model', 'gpt-image-1'), 404, 'model_not_found', 'model', "The model `gpt-image-1` has been deprecated, learn more here: https://platform.openai.com/docs/deprecations (shut down on 2026-10-23; use 'gpt-image-2.6-sunburst' or 'gpt-image-2.6-flare' instead)."],
    ['unknown output_format', async () => withField('output_format', 'gif'), 400, 'invalid_value', 'output_format', "Invalid value: 'gif'. Supported values are: 'png', 'jpeg', and 'webp'."],
    ['transparent JPEG', async () => [...withField('background', 'transparent'), ['output_format', 'jpeg']], 400, 'invalid_value', 'background', /^Invalid value: 'transparent'\. Transparent backgrounds need output_format 'png' or 'webp'/],
    ['output_compression above 100', async () => withField('output_compression', '101'), 400, 'integer_above_max_value', 'output_compression', "Invalid 'output_compression': integer above maximum value. Expected a value <= 100, but got 101 instead."],
    ['partial_images above 3', async () => [...withField('stream', 'true'), ['partial_images', '4']], 400, 'integer_above_max_value', 'partial_images', "Invalid 'partial_images': integer above maximum value. Expected a value <= 3, but got 4 instead."],
    ['unknown model', async () => withField('model', 'dall-e-9'), 400, 'invalid_value', 'model', "Invalid value: 'dall-e-9'. Supported values are: 'gpt-image-2.6-sunburst', 'gpt-image-2.6-flare', 'gpt-image-2.5-sunburst', 'gpt-image-2.5-flare', 'gpt-image-2', 'gpt-image-1.5', and 'gpt-image-1-mini'."],
    ['dall-e-2 (shut down 2026-05-12)', async () => [...withField('model', 'dall-e-2'), ['stream', 'true']], 404, 'model_not_found', 'model', /^The model `dall-e-2` has been deprecated, learn more here: https:\/\/platform\.openai\.com\/docs\/deprecations \(shut down on 2026-05-12; use 'gpt-image-2\.6-sunburst'/],
    ['unknown field', async () => withField('colour', 'blue'), 400, 'unknown_parameter', 'colour', "Unknown parameter: 'colour'."],
    ['17 images', async () => [...Array.from({ length: 17 }, (): [string, Part] => ['image[]', { bytes: image }]), ['mask', { bytes: mask }], ['prompt', PROMPT]], 400, 'array_above_max_length', 'image', "Invalid 'image': array too long. Expected an array with maximum length 16, but got an array with length 17 instead."],
    ['a markup file on a model without markup', async () => [...withField('model', 'gpt-image-2'), ['markup', { bytes: mask }]], 400, 'invalid_value', 'markup', "markup is not supported for model 'gpt-image-2'. Remove 'markup' or use one of 'gpt-image-2.6-sunburst' and 'gpt-image-2.6-flare'."],
    ['markup sent as text', async () => [...withField('model', 'gpt-image-2.6-flare'), ['markup', 'auto']], 400, 'invalid_type', 'markup', "Invalid type for 'markup': expected a file, but got a string instead."],
    ['two markup files', async () => [...withField('model', 'gpt-image-2.6-flare'), ['markup', { bytes: mask }], ['markup', { bytes: mask }]], 400, 'duplicate_parameter', 'markup', "Duplicate parameter: 'markup' was sent more than once; expected it once."],
    ['a mask with nothing editable', async () => [['image', { bytes: image }], ['mask', { bytes: await boxMask(256, 256, { x: 0, y: 0, w: 0, h: 0 }) }], ['prompt', PROMPT]], 400, 'mask_nothing_editable', 'mask', /^mask is fully opaque \(every pixel has alpha 255\), so nothing would be edited\. Fix: /],
    ['a GIF as a reference image', async () => [['image[]', { bytes: image }], ['image[]', { bytes: gif }], ['mask', { bytes: mask }], ['prompt', PROMPT]], 400, 'unsupported_file_mimetype', 'image[1]', /^Invalid file 'image\[1\]': unsupported mimetype/],
  ])('%s', async (_name, fields, status, code, param, message) => {
    const res = await postMultipart(server.app, '/v1/images/edits', await fields());
    expect(res.statusCode).toBe(status);
    const body = res.json();
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code, param });
    expect(body.error.message).toEqual(typeof message === 'string' ? message : expect.stringMatching(message));
  });

  it('refuses an image over the per-image limit with 413 and a body over the total with 413', async () => {
    const tiny = await noisyPng(64, 64, 'jpeg');
    const small = await testServer({ limits: { maxImageBytes: 20_000, maxBodyBytes: tiny.length * 3 } });
    try {
      const big = await postMultipart(small.app, '/v1/images/edits', base());
      expect(big.statusCode).toBe(413);
      expect(big.json().error).toMatchObject({ code: 'image_too_large', param: 'image' });
      const many = await postMultipart(small.app, '/v1/images/edits', [...Array.from({ length: 4 }, (): [string, Part] => ['image[]', { bytes: tiny }]), ['prompt', PROMPT]]);
      expect(many.statusCode).toBe(413);
      expect(many.json().error).toMatchObject({ code: 'request_too_large', param: null });
    } finally {
      await small.close();
    }
  });

  it('answers a truncated multipart body with 400, not a crash', async () => {
    const res = await server.app.inject({
      method: 'POST', url: '/v1/images/edits',
      headers: { 'content-type': 'multipart/form-data; boundary=XYZ' },
      payload: '--XYZ\r\nContent-Disposition: form-data; name="prompt"\r\n\r\nhello',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_multipart');
  });

  it('answers other content types with 400 unsupported_content_type', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/v1/images/edits', headers: { 'content-type': 'text/plain' }, payload: 'hi' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('unsupported_content_type');
  });
});

describe('POST /v1/images/edits (JSON)', () => {
  const json = (body: unknown, app = server.app) => app.inject({ method: 'POST', url: '/v1/images/edits', payload: body as object });

  it('takes images and mask as data URLs', async () => {
    const res = await json({ images: [{ image_url: dataUrl(image) }], mask: { image_url: dataUrl(mask) }, prompt: PROMPT, size: '1024x1024', moderation: 'low' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ size: '1024x1024', output_format: 'png' });
  });

  it('takes uploaded files by file_id', async () => {
    const up = async (bytes: Buffer) => (await postMultipart(server.app, '/v1/files', [['file', { bytes }], ['purpose', 'vision']])).json().id as string;
    const res = await json({ images: [{ file_id: await up(image) }], mask: { file_id: await up(mask) }, prompt: PROMPT, n: 1, quality: 'medium' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ size: '1024x1024', quality: 'medium' });
  });

  it.each<[string, unknown, number, string | null, string | null, string | RegExp]>([
    ['unknown file_id', { images: [{ file_id: 'file-AAAAAAAAAAAAAAAAAAAAAAAA' }], prompt: PROMPT }, 404, null, 'images[0].file_id', 'No such File object: file-AAAAAAAAAAAAAAAAAAAAAAAA'],
    ['a path as file_id', { images: [{ file_id: '../../etc/passwd' }], prompt: PROMPT }, 404, null, 'images[0].file_id', 'No such File object: ../../etc/passwd'],
    ['an http URL without --allow-url-fetch', { images: [{ image_url: 'https://example.com/a.png' }], prompt: PROMPT }, 400, 'image_url_fetch_disabled', 'images[0].image_url', /does not fetch http\(s\) URLs\. Send the image as a data URL/],
    ['both file_id and image_url', { images: [{ file_id: 'file-x', image_url: 'data:,' }], prompt: PROMPT }, 400, 'invalid_value', 'images[0]', "Invalid 'images[0]': provide exactly one of 'file_id' or 'image_url'."],
    ['a data URL that is not base64', { images: [{ image_url: 'data:image/png,hello' }], prompt: PROMPT }, 400, 'invalid_image_url', 'images[0].image_url', /expected a base64 data URL/],
    ['no images', { prompt: PROMPT }, 400, 'missing_required_parameter', 'images', "Missing required parameter: 'images'."],
    ['an empty images array', { images: [], prompt: PROMPT }, 400, 'empty_array', 'images', /empty array/],
    ['n as a string', { images: [{ image_url: 'data:,' }], prompt: PROMPT, n: '2' }, 400, 'invalid_type', 'n', "Invalid type for 'n': expected an integer, but got a string instead."],
    ['dall-e-2 (shut down)', { images: [{ image_url: 'data:,' }], prompt: PROMPT, model: 'dall-e-2' }, 404, 'model_not_found', 'model', /^The model `dall-e-2` has been deprecated/],
    ['markup on 2.5', { images: [{ image_url: 'data:,' }], prompt: PROMPT, model: 'gpt-image-2.5-flare', markup: { image_url: 'data:,' } }, 400, 'invalid_value', 'markup', "markup is not supported for model 'gpt-image-2.5-flare'. Remove 'markup' or use one of 'gpt-image-2.6-sunburst' and 'gpt-image-2.6-flare'."],
    ['moderation out of range', { images: [{ image_url: 'data:,' }], prompt: PROMPT, moderation: 'none' }, 400, 'invalid_value', 'moderation', "Invalid value: 'none'. Supported values are: 'low' and 'auto'."],
    ['a multipart-only field', { images: [{ image_url: 'data:,' }], prompt: PROMPT, response_format: 'b64_json' }, 400, 'unknown_parameter', 'response_format', "Unknown parameter: 'response_format'."],
    ['an undecodable data URL image', { images: [{ image_url: 'data:image/png;base64,AAAA' }], mask: { image_url: 'data:image/png;base64,AAAA' }, prompt: PROMPT }, 400, 'invalid_image_file', 'images[0]', /^Invalid image file or mode for 'images\[0\]'/],
  ])('%s', async (_name, body, status, code, param, message) => {
    const res = await json(body);
    expect(res.statusCode).toBe(status);
    expect(res.json().error).toMatchObject({ code, param });
    expect(res.json().error.message).toEqual(typeof message === 'string' ? message : expect.stringMatching(message));
  });

  it('keeps the images a JSON edit names under the total limit, even when one file_id is named many times', async () => {
    const tiny = await noisyPng(64, 64, 'jpeg');
    const small = await testServer({ limits: { maxImageBytes: 20_000, maxBodyBytes: tiny.length * 3 } });
    try {
      const id = (await postMultipart(small.app, '/v1/files', [['file', { bytes: tiny }], ['purpose', 'vision']])).json().id as string;
      const res = await json({ images: Array.from({ length: 4 }, () => ({ file_id: id })), prompt: PROMPT }, small.app);
      expect(res.statusCode).toBe(413);
      expect(res.json().error).toEqual({ type: 'invalid_request_error', code: 'request_too_large', param: null, message: `The images of this request come to ${4 * tiny.length} bytes together; this server takes at most ${tiny.length * 3} bytes per request.` });
    } finally {
      await small.close();
    }
  });

  it('answers malformed JSON with 400 invalid_json', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/v1/images/edits', headers: { 'content-type': 'application/json' }, payload: '{"prompt": ' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_json');
  });

  it('fetches http image URLs when allowUrlFetch is on', async () => {
    const { createServer } = await import('node:http');
    const origin = createServer((req, res) => {
      res.writeHead(req.url === '/mask.png' || req.url === '/image.png' ? 200 : 404, { 'content-type': 'image/png' });
      res.end(req.url === '/mask.png' ? mask : req.url === '/image.png' ? image : undefined);
    });
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    const port = (origin.address() as { port: number }).port;
    const fetching = await testServer({ allowUrlFetch: true, allowPrivateUrls: true });
    try {
      const ok = await json({ images: [{ image_url: `http://127.0.0.1:${port}/image.png` }], mask: { image_url: `http://127.0.0.1:${port}/mask.png` }, prompt: PROMPT }, fetching.app);
      expect(ok.statusCode).toBe(200);
      const missing = await json({ images: [{ image_url: `http://127.0.0.1:${port}/nope.png` }], prompt: PROMPT }, fetching.app);
      expect(missing.statusCode).toBe(400);
      expect(missing.json().error).toMatchObject({ code: 'image_url_fetch_failed', param: 'images[0].image_url', message: "Invalid 'images[0].image_url': could not fetch the image (the server answered HTTP 404)." });
    } finally {
      await fetching.close();
      origin.close();
    }
  });

  it.each([
    ['an error status', 404, 100],
    ['a declared size over the limit', 200, 10_000_000],
  ])('stops downloading an image URL answered with %s', async (_name, status, length) => {
    const { createServer } = await import('node:http');
    let closed = false;
    const origin = createServer((_req, res) => {
      res.writeHead(status, { 'content-type': 'image/png', 'content-length': String(length) });
      res.write(Buffer.alloc(50));
      // Never finishes on its own: only the client going away ends this response.
      res.on('close', () => { closed = true; });
    });
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r));
    const port = (origin.address() as { port: number }).port;
    const fetching = await testServer({ allowUrlFetch: true, allowPrivateUrls: true, limits: { maxImageBytes: 1_000_000 } });
    try {
      const res = await json({ images: [{ image_url: `http://127.0.0.1:${port}/a.png` }], prompt: PROMPT }, fetching.app);
      expect(res.statusCode).toBe(status === 404 ? 400 : 413);
      for (let i = 0; i < 50 && !closed; i++) await new Promise((r) => setTimeout(r, 20));
      expect(closed).toBe(true);
    } finally {
      await fetching.close();
      origin.closeAllConnections();
      origin.close();
    }
  });
});

/** A provider that waits until released (or aborted), to hold queue slots in tests. */
function gatedProvider(): Provider & { open(): void; started: number } {
  const inner = localProvider({ engine: 'telea' });
  let open!: () => void;
  const gate = new Promise<void>((r) => { open = r; });
  const p = {
    name: 'local' as const, surface: 'engine' as const, started: 0,
    open: () => open(),
    async edit(req: Parameters<Provider['edit']>[0]) {
      p.started++;
      await new Promise<void>((resolve, reject) => {
        void gate.then(resolve);
        req.signal?.addEventListener('abort', () => reject(req.signal!.reason), { once: true });
      });
      return inner.edit(req);
    },
  };
  return p;
}

describe('limits: queue, timeout', () => {
  it('answers 429 rate_limit_exceeded with Retry-After when the queue is full', async () => {
    const provider = gatedProvider();
    const busy = await testServer({ provider, concurrency: 1, queue: 0 });
    try {
      const first = postMultipart(busy.app, '/v1/images/edits', base());
      await until(() => provider.started > 0, 'the provider to start');
      const second = await postMultipart(busy.app, '/v1/images/edits', base());
      expect(second.statusCode).toBe(429);
      expect(Number(second.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(second.json().error).toMatchObject({ type: 'requests', code: 'rate_limit_exceeded', param: null, message: 'The edit queue is full (1 running, 0 waiting). Retry after 1 s.' });
      provider.open();
      expect((await first).statusCode).toBe(200);
      expect(busy.app.maskedit.queue.stats()).toMatchObject({ running: 0, waiting: 0, rejected: 1 });
    } finally {
      await busy.close();
    }
  });

  it('cancels an edit past the request timeout with 504', async () => {
    const provider = gatedProvider();
    const slow = await testServer({ provider, requestTimeoutMs: 300 });
    try {
      const res = await postMultipart(slow.app, '/v1/images/edits', base());
      expect(res.statusCode).toBe(504);
      expect(res.json().error).toMatchObject({ type: 'server_error', code: 'timeout', message: "The request took longer than this server's limit of 300 ms and was cancelled." });
      expect(slow.app.maskedit.queue.stats()).toMatchObject({ running: 0, waiting: 0 });
    } finally {
      provider.open();
      await slow.close();
    }
  });

  it('cancels running edits with 503 server_shutting_down when the server closes', async () => {
    const provider = gatedProvider();
    const closing = await testServer({ provider });
    const pending = postMultipart(closing.app, '/v1/images/edits', base());
    await until(() => provider.started > 0, 'the provider to start');
    await closing.close();
    const res = await pending;
    expect(res.statusCode).toBe(503);
    expect(res.json().error).toEqual({ type: 'server_error', code: 'server_shutting_down', param: null, message: 'The maskedit server is shutting down; the request was cancelled.' });
  });
});
