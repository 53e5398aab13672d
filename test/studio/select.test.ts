/** `POST /api/select`: the smart selection runs on the server and comes back as a gray PNG at the image's size. */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEditMask } from '../../src/core/raster.js';
import { iou } from '../../src/core/select.js';
import { studioPlugin } from '../../src/studio/plugin.js';
import type { StudioSelect } from '../../src/studio/contract.js';
import { png } from '../_helpers/images.js';
import { scene } from '../_helpers/scene.js';
import { postMultipart, testServer, type TestServer } from '../server/_fixtures.js';

const W = 320, H = 240;
const { image, disc } = scene(W, H, { cx: 110, cy: 120, r: 60, sx: 230, sy: 40, s: 60 });
let bytes: Buffer;
let server: TestServer;
beforeAll(async () => {
  bytes = await png(image);
  server = await testServer({ plugins: [studioPlugin({ distDir: '/nonexistent', env: {} })] });
});
afterAll(() => server?.close());

describe('POST /api/select', () => {
  it('a box around the disc answers the disc as a gray PNG mask', async () => {
    const res = await postMultipart(server.app, '/api/select', [['image', { bytes }], ['select', 'box:40,50,140,140']]);
    expect(res.statusCode).toBe(200);
    const body = res.json<StudioSelect>();
    const { data, info } = await sharp(Buffer.from(body.mask.split(',')[1]!, 'base64')).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels, body.width, body.height]).toEqual([W, H, 1, W, H]);
    const m = createEditMask(W, H);
    let other = 0;
    for (let i = 0; i < W * H; i++) { m.data[i] = data[i]!; if (data[i] !== 0 && data[i] !== 255) other++; }
    expect(other).toBe(0);
    expect(iou(m, disc)).toBeGreaterThan(0.98);
    expect(body.parts.map((p) => [p.select, p.box])).toEqual([['box:40,50,140,140', { x: 40, y: 50, width: 140, height: 140 }]]);
  }, 60_000);
  it.each([
    ['no selection', [], 400, 'invalid_value', 'select'],
    ['a malformed selection', [['select', 'circle:1,2']], 400, 'select_invalid', null],
    ['a point outside', [['select', 'point:320,5']], 400, 'select_outside', null],
  ] as const)('%s → %i %s', async (_n, extra, status, code, param) => {
    const res = await postMultipart(server.app, '/api/select', [['image', { bytes }], ...extra.map(([k, v]) => [k, v] as [string, string])]);
    expect([res.statusCode, res.json().error.code, res.json().error.param]).toEqual([status, code, param]);
  });
  it('without an image: 400 missing_required_parameter on image', async () => {
    const res = await postMultipart(server.app, '/api/select', [['select', 'point:5,5']]);
    expect([res.statusCode, res.json().error.code, res.json().error.param]).toEqual([400, 'missing_required_parameter', 'image']);
  });
});
