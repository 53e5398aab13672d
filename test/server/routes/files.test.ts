import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { FILE_ID_PATTERN, startServer } from '../../../src/server/index.js';
import { multipart, noisyPng, postMultipart, testServer, type TestServer } from '../_fixtures.js';

let server: TestServer;
let png: Buffer;

beforeAll(async () => {
  server = await testServer();
  png = await noisyPng(64, 64);
});
afterAll(() => server.close());

const upload = (bytes: Buffer, purpose = 'vision', app = server.app) => postMultipart(app, '/v1/files', [['file', { bytes, filename: 'photo.png' }], ['purpose', purpose]]);
const entries = async (dir: string) => ({ files: (await readdir(dir)).filter((f) => f !== '.tmp').sort(), tmp: await readdir(join(dir, '.tmp')) });

describe('/v1/files', () => {
  it('uploads, describes, serves, lists and deletes a file (OpenAIFile shapes)', async () => {
    const res = await upload(png);
    expect(res.statusCode).toBe(200);
    const file = res.json();
    expect(file.id).toMatch(FILE_ID_PATTERN);
    expect(file).toMatchObject({ object: 'file', bytes: png.length, filename: 'photo.png', purpose: 'vision', status: 'processed', status_details: null });
    expect(file.expires_at - file.created_at).toBe(24 * 3600);

    expect((await server.app.inject({ method: 'GET', url: `/v1/files/${file.id}` })).json()).toEqual(file);
    const content = await server.app.inject({ method: 'GET', url: `/v1/files/${file.id}/content` });
    expect(content.statusCode).toBe(200);
    expect(content.headers['content-type']).toBe('image/png');
    expect(content.rawPayload.equals(png)).toBe(true);
    const list = (await server.app.inject({ method: 'GET', url: '/v1/files' })).json();
    expect(list).toMatchObject({ object: 'list', has_more: false });
    expect(list.data.map((f: { id: string }) => f.id)).toContain(file.id);

    const del = await server.app.inject({ method: 'DELETE', url: `/v1/files/${file.id}` });
    expect(del.json()).toEqual({ id: file.id, object: 'file', deleted: true });
    const gone = await server.app.inject({ method: 'GET', url: `/v1/files/${file.id}` });
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toEqual({ error: { message: `No such File object: ${file.id}`, type: 'invalid_request_error', param: 'id', code: null } });
    expect((await entries(server.filesDir)).files).not.toContain(file.id);
  });

  it.each([
    ['photo.png', `attachment; filename="photo.png"; filename*=UTF-8''photo.png`],
    ['照片 (1).png', `attachment; filename="__ (1).png"; filename*=UTF-8''%E7%85%A7%E7%89%87%20%281%29.png`],
  ])('serves %j with a Content-Disposition every client can read', async (filename, header) => {
    const id = (await postMultipart(server.app, '/v1/files', [['file', { bytes: png, filename }], ['purpose', 'vision']])).json().id as string;
    const content = await server.app.inject({ method: 'GET', url: `/v1/files/${id}/content` });
    expect(content.statusCode).toBe(200);
    expect(content.headers['content-disposition']).toBe(header);
    expect(content.rawPayload.equals(png)).toBe(true);
  });

  it('honours expires_after up to the store lifetime', async () => {
    const res = await postMultipart(server.app, '/v1/files', [['file', { bytes: png }], ['purpose', 'user_data'], ['expires_after[anchor]', 'created_at'], ['expires_after[seconds]', '3600']]);
    expect(res.json().expires_at - res.json().created_at).toBe(3600);
  });

  it.each([
    ['/v1/files/..%2F..%2Fetc%2Fpasswd'],
    ['/v1/files/..%2F..%2Fetc%2Fpasswd/content'],
    ['/v1/files/file-AAAAAAAAAAAAAAAAAAAAAAAA/content'],
    ['/v1/files/file-../content'],
  ])('GET %s is a 404, never a path', async (url) => {
    const res = await server.app.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.message).toMatch(/^No such File object: /);
  });

  it.each<[string, [string, string | { bytes: Buffer }][], number, string | null, string | null, string]>([
    ['no purpose', [['file', { bytes: Buffer.from('x') }]], 400, 'missing_required_parameter', 'purpose', "Missing required parameter: 'purpose'."],
    ['no file', [['purpose', 'vision']], 400, 'missing_required_parameter', 'file', "Missing required parameter: 'file'."],
    ['an unknown purpose', [['file', { bytes: Buffer.from('x') }], ['purpose', 'memes']], 400, 'invalid_value', 'purpose', "Invalid value: 'memes'. Supported values are: 'assistants', 'batch', 'fine-tune', 'vision', 'user_data', and 'evals'."],
    ['two files', [['file', { bytes: Buffer.from('x') }], ['file', { bytes: Buffer.from('y') }], ['purpose', 'vision']], 400, 'invalid_value', 'file', "Invalid 'file': expected one file per upload, but got more than one."],
    ['expires_after too short', [['file', { bytes: Buffer.from('x') }], ['purpose', 'vision'], ['expires_after[anchor]', 'created_at'], ['expires_after[seconds]', '60']], 400, 'invalid_value', 'expires_after.seconds', "Invalid 'expires_after.seconds': expected an integer from 3600 to 2592000, but got 60 instead."],
  ])('refuses %s and leaves nothing behind', async (_name, fields, status, code, param, message) => {
    const before = await entries(server.filesDir);
    const res = await postMultipart(server.app, '/v1/files', fields);
    expect(res.statusCode).toBe(status);
    expect(res.json().error).toEqual({ type: 'invalid_request_error', code, param, message });
    expect(await entries(server.filesDir)).toEqual(before);
  });

  it('refuses a file over the size limit with 413 and the store when full, leaving nothing behind', async () => {
    const small = await testServer({ files: { maxFileBytes: 1000, maxFiles: 1 } });
    try {
      const big = await upload(png, 'vision', small.app);
      expect(big.statusCode).toBe(413);
      expect(big.json().error).toMatchObject({ code: 'file_too_large', param: 'file' });
      expect(await entries(small.filesDir)).toEqual({ files: [], tmp: [] });
      expect((await upload(Buffer.from('tiny'), 'vision', small.app)).statusCode).toBe(200);
      const full = await upload(Buffer.from('tiny'), 'vision', small.app);
      expect(full.statusCode).toBe(400);
      expect(full.json().error).toMatchObject({ code: 'files_quota_exceeded', message: 'The file store is full: 1 files stored.' });
    } finally {
      await small.close();
    }
  });

  it('leaves nothing behind when the client disconnects mid-upload', async () => {
    const live = await startServer({ port: 0, engine: 'telea', logger: false, files: { dir: server.filesDir, sweepIntervalMs: 0 } });
    try {
      const before = await entries(server.filesDir);
      const body = await multipart([['purpose', 'vision'], ['file', { bytes: Buffer.alloc(2_000_000, 7) }]]);
      await new Promise<void>((resolve) => {
        const req = httpRequest(`${live.origin}/v1/files`, { method: 'POST', headers: { ...body.headers, 'content-length': String(body.payload.length) } });
        req.on('error', () => resolve());
        // Send half the body, give the server time to stream it into .tmp, then drop the connection.
        req.write(body.payload.subarray(0, 1_000_000), () => setTimeout(() => { req.destroy(); resolve(); }, 200));
      });
      let after = await entries(server.filesDir);
      for (let i = 0; i < 50 && (after.tmp.length || after.files.length !== before.files.length); i++) {
        await new Promise((r) => setTimeout(r, 20));
        after = await entries(server.filesDir);
      }
      expect(after).toEqual(before);
    } finally {
      await live.close();
    }
  });
});
