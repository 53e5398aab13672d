/**
 * The server as a hostile web page and a hostile client reach it: real sockets (raw HTTP over `net`), a
 * loopback-bound server, DNS-rebinding Host names, cross-site POSTs, multipart parts without a name, repeated
 * fields, unknown studio parts, a store folder planted by another user, and API keys kept out of argv.
 */
import { chmod, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveServerKey, ARGV_KEY_WARNING } from '../../src/server/api-key.js';
import { FileStore } from '../../src/server/files.js';
import { startServer, type RunningServer } from '../../src/server/index.js';
import { studioPlugin } from '../../src/studio/plugin.js';
import { dataHome, openPrivateDir } from '../../src/store/location.js';
import { boxMask, noisyPng } from '../server/_fixtures.js';

let root: string;
let server: RunningServer;
let port: number;
let image: Buffer;
let mask: Buffer;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'maskedit-hard-server-'));
  const dist = join(root, 'dist');
  await mkdir(dist);
  await writeFile(join(dist, 'index.html'), '<!doctype html><title>studio</title>');
  server = await startServer({ port: 0, engine: 'telea', logger: false, files: { dir: join(root, 'files'), sweepIntervalMs: 0 }, plugins: [studioPlugin({ distDir: dist, env: {} })] });
  port = Number(new URL(server.origin).port);
  image = await noisyPng(64, 64);
  mask = await boxMask(64, 64, { x: 20, y: 20, w: 16, h: 16 });
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

interface RawResponse { status: number; headers: string; body: string }

/** One HTTP/1.1 request written byte for byte over a TCP socket (nothing normalises Host or Origin). */
function raw(head: string[], body: Buffer | string = ''): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    sock.on('data', (d) => chunks.push(d));
    sock.on('error', reject);
    sock.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const [h, ...rest] = text.split('\r\n\r\n');
      let b = rest.join('\r\n\r\n');
      if (/transfer-encoding: chunked/i.test(h!)) b = b.replace(/^[0-9a-f]+\r\n/i, '').replace(/\r\n0\r\n\r\n$/, '').replace(/\r\n$/, '');
      resolve({ status: Number(h!.split(' ')[1]), headers: h!, body: b });
    });
    const payload = Buffer.isBuffer(body) ? body : Buffer.from(body);
    // write, not end: a half-closed socket makes Node drop a response that is still being computed.
    sock.write(Buffer.concat([Buffer.from([...head, `Content-Length: ${payload.length}`, 'Connection: close', '', ''].join('\r\n')), payload]));
  });
}

const BOUNDARY = 'xXhardeningXx';
function form(parts: { disposition: string; body: Buffer | string; type?: string }[]): Buffer {
  const out: Buffer[] = [];
  for (const p of parts) {
    out.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: ${p.disposition}\r\n${p.type ? `Content-Type: ${p.type}\r\n` : ''}\r\n`));
    out.push(Buffer.isBuffer(p.body) ? p.body : Buffer.from(p.body));
    out.push(Buffer.from('\r\n'));
  }
  out.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(out);
}
const formHead = (path: string, extra: string[] = []) => [`POST ${path} HTTP/1.1`, `Host: 127.0.0.1:${port}`, `Content-Type: multipart/form-data; boundary=${BOUNDARY}`, ...extra];

const errorOf = (r: RawResponse) => JSON.parse(r.body).error as { code: string | null; type: string; message: string; param: string | null };

describe('Host names on a loopback-bound server (DNS rebinding)', () => {
  it.each([
    ['evil.example', 403],
    ['evil.example:80', 403],
    ['127.0.0.1.evil.example', 403],
    ['localhost.evil.example', 403],
    ['10.0.0.5', 403],
    ['', 403],
    ['127.0.0.1:PORT', 200],
    ['localhost:PORT', 200],
    ['LOCALHOST', 200],
    ['[::1]:PORT', 200],
    ['127.1.2.3', 200],
  ])('Host %j → %i', async (host, status) => {
    const r = await raw(['GET /v1/models HTTP/1.1', `Host: ${host.replace('PORT', String(port))}`]);
    expect(r.status).toBe(status);
    if (status === 403) expect(errorOf(r)).toMatchObject({ code: 'host_not_allowed', type: 'invalid_request_error' });
  });
});

describe('cross-site state-changing requests', () => {
  const body = () => form([{ disposition: 'form-data; name="image"; filename="a.png"', body: image, type: 'image/png' }, { disposition: 'form-data; name="mask"; filename="m.png"', body: mask, type: 'image/png' }, { disposition: 'form-data; name="prompt"', body: 'x' }]);
  it.each([
    ['/api/edit', ['Origin: https://evil.example']],
    ['/api/edit', ['Origin: null']],
    ['/api/edit', ['Sec-Fetch-Site: cross-site']],
    ['/api/check', ['Origin: http://127.0.0.1:1']],
    ['/v1/images/edits', ['Origin: https://evil.example']],
    ['/v1/files', ['Origin: http://localhost.evil.example']],
  ])('POST %s with %j → 403 CROSS_ORIGIN_REFUSED', async (path, extra) => {
    const r = await raw(formHead(path, extra), body());
    expect(r.status).toBe(403);
    expect(errorOf(r)).toMatchObject({ code: 'cross_origin_refused', type: 'invalid_request_error' });
  });

  it('the studio page itself (same origin) and programs without Origin still get through', async () => {
    const same = await raw(formHead('/api/check', [`Origin: http://127.0.0.1:${port}`, 'Sec-Fetch-Site: same-origin']), body());
    expect(same.status).toBe(200);
    const sdk = await raw(formHead('/api/check'), body());
    expect(sdk.status).toBe(200);
  });
});

describe('multipart bodies', () => {
  it.each([
    ['/v1/images/edits', 'form-data; filename="a.png"'],
    ['/v1/images/edits', 'form-data; name=""; filename="a.png"'],
    ['/v1/files', 'form-data; filename="a.png"'],
    ['/api/check', 'form-data; filename="a.png"'],
  ])('%s: a file part %j without a name → 400 in OpenAI shape', async (path, disposition) => {
    const r = await raw(formHead(path), form([{ disposition, body: image, type: 'image/png' }, { disposition: 'form-data; name="prompt"', body: 'x' }]));
    expect(r.status).toBe(400);
    expect(errorOf(r)).toMatchObject({ code: 'invalid_multipart', type: 'invalid_request_error', param: null });
  });

  it('a text part without a name → 400', async () => {
    const r = await raw(formHead('/v1/images/edits'), form([{ disposition: 'form-data', body: 'x' }]));
    expect(r.status).toBe(400);
    expect(errorOf(r).code).toBe('invalid_multipart');
  });

  it('a field sent twice → 400 duplicate_parameter naming it', async () => {
    const r = await raw(formHead('/v1/images/edits'), form([
      { disposition: 'form-data; name="image"; filename="a.png"', body: image, type: 'image/png' },
      { disposition: 'form-data; name="prompt"', body: 'first' }, { disposition: 'form-data; name="prompt"', body: 'second' },
    ]));
    expect(r.status).toBe(400);
    expect(errorOf(r)).toMatchObject({ code: 'duplicate_parameter', param: 'prompt' });
  });

  it('studio /api/check refuses unknown file parts and unknown fields', async () => {
    const extraFile = await raw(formHead('/api/check'), form([
      { disposition: 'form-data; name="image"; filename="a.png"', body: image, type: 'image/png' },
      { disposition: 'form-data; name="mask"; filename="m.png"', body: mask, type: 'image/png' },
      { disposition: 'form-data; name="junk"; filename="j.png"', body: image, type: 'image/png' },
    ]));
    expect(extraFile.status).toBe(400);
    expect(errorOf(extraFile)).toMatchObject({ code: 'unknown_parameter', param: 'junk' });
    const extraField = await raw(formHead('/api/check'), form([
      { disposition: 'form-data; name="image"; filename="a.png"', body: image, type: 'image/png' },
      { disposition: 'form-data; name="nope"', body: 'x' },
    ]));
    expect(extraField.status).toBe(400);
    expect(errorOf(extraField)).toMatchObject({ code: 'unknown_parameter', param: 'nope' });
  });
});

describe('the file store folder', () => {
  it('defaults to a per-user data folder, never the shared temp folder', () => {
    expect(dataHome({ XDG_DATA_HOME: '/x/data', HOME: '/home/u' })).toBe('/x/data/maskedit');
    expect(dataHome({ XDG_DATA_HOME: 'relative', HOME: '/home/u' })).toBe('/home/u/.local/share/maskedit');
    expect(dataHome({ HOME: '/home/u' })).toBe('/home/u/.local/share/maskedit');
  });

  it('is created 0700', async () => {
    const dir = join(root, 'priv', 'files');
    await openPrivateDir(dir);
    const { stat } = await import('node:fs/promises');
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
  });

  it('a store others can write is STORE_UNSAFE', async () => {
    const dir = join(root, 'shared');
    await mkdir(dir);
    await chmod(dir, 0o777);
    await expect(FileStore.open({ dir, sweepIntervalMs: 0 })).rejects.toMatchObject({ code: 'STORE_UNSAFE', fix: `make it private: chmod 700 ${dir}, or pass another folder with --files-dir DIR` });
  });

  it('a planted .tmp symlink is refused and nothing it points to is deleted', async () => {
    const victim = join(root, 'victim');
    await mkdir(victim);
    await writeFile(join(victim, 'thesis.tex'), 'years of work');
    const dir = join(root, 'planted');
    await mkdir(dir, { mode: 0o700 });
    await symlink(victim, join(dir, '.tmp'));
    await expect(FileStore.open({ dir, sweepIntervalMs: 0 })).rejects.toMatchObject({ code: 'STORE_UNSAFE' });
    expect(await readdir(victim)).toEqual(['thesis.tex']);
  });

  it('leftover links in .tmp are removed as links; their targets stay', async () => {
    const victim = join(root, 'victim2');
    await mkdir(victim);
    await writeFile(join(victim, 'keep.txt'), 'k');
    const dir = join(root, 'links');
    await mkdir(join(dir, '.tmp'), { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
    await symlink(join(victim, 'keep.txt'), join(dir, '.tmp', 'abc'));
    const store = await FileStore.open({ dir, sweepIntervalMs: 0 });
    store.close();
    expect(await readdir(join(dir, '.tmp'))).toEqual([]);
    expect(await readdir(victim)).toEqual(['keep.txt']);
  });
});

describe('the server API key', () => {
  it('comes from MASKEDIT_API_KEY or a private file; argv works with a warning', async () => {
    const f = join(root, 'key');
    await writeFile(f, 'sk-local-abc\n', { mode: 0o600 });
    expect(await resolveServerKey({ env: { MASKEDIT_API_KEY: 'sk-env' } })).toEqual({ key: 'sk-env', source: 'env' });
    expect(await resolveServerKey({ env: { MASKEDIT_API_KEY: 'sk-env' }, file: f })).toEqual({ key: 'sk-local-abc', source: 'file' });
    expect(await resolveServerKey({ env: {}, argv: 'sk-argv' })).toEqual({ key: 'sk-argv', source: 'argv', warning: ARGV_KEY_WARNING });
  });

  it.each([
    ['readable by others', 0o644, 'sk-x', 'API_KEY_FILE_UNSAFE'],
    ['readable by the group', 0o640, 'sk-x', 'API_KEY_FILE_UNSAFE'],
    ['empty', 0o600, '', 'API_KEY_FILE_INVALID'],
    ['two lines', 0o600, 'a\nb', 'API_KEY_FILE_INVALID'],
  ])('a key file %s is refused (%s)', async (name, mode, text, code) => {
    const f = join(root, `key-${name.replace(/\W/g, '')}`);
    await writeFile(f, text);
    await chmod(f, mode);
    await expect(resolveServerKey({ env: {}, file: f })).rejects.toMatchObject({ code });
  });

  it('a key file that is a FIFO or folder is API_KEY_FILE_NOT_A_FILE', async () => {
    await expect(resolveServerKey({ env: {}, file: root })).rejects.toMatchObject({ code: 'API_KEY_FILE_NOT_A_FILE' });
  });
});

describe('--allow-url-fetch never reaches private addresses', () => {
  it.each([
    ['127.0.0.1', true], ['127.9.9.9', true], ['10.1.2.3', true], ['172.16.0.1', true], ['172.31.255.255', true], ['192.168.1.1', true],
    ['169.254.169.254', true], ['100.64.0.1', true], ['0.0.0.0', true], ['224.0.0.1', true], ['::1', true], ['::', true], ['fe80::1', true],
    ['fd00:ec2::254', true], ['::ffff:127.0.0.1', true], ['::ffff:7f00:1', true], ['64:ff9b::a9fe:a9fe', true], ['not-an-ip', true],
    ['8.8.8.8', false], ['172.32.0.1', false], ['1.1.1.1', false], ['2606:4700::1111', false],
  ])('isBlockedAddress(%s) = %s', async (address, expected) => {
    const { isBlockedAddress } = await import('../../src/server/url-fetch.js');
    expect(isBlockedAddress(address)).toBe(expected);
  });

  it('refuses loopback by literal, by name (DNS checked) and through redirects, and never echoes what it fetched', async () => {
    const { createServer } = await import('node:http');
    let hits = 0;
    const secret = createServer((req, res) => {
      hits++;
      if (req.url!.startsWith('/hop')) {
        const n = Number(req.url!.slice(4));
        res.writeHead(302, { location: `/hop${n + 1}` });
        return res.end();
      }
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('INTERNAL-SECRET-TOKEN');
    });
    await new Promise<void>((r) => secret.listen(0, '127.0.0.1', r));
    const sport = (secret.address() as { port: number }).port;
    const strict = await startServer({ port: 0, engine: 'telea', logger: false, allowUrlFetch: true, files: { dir: join(root, 'f-strict'), sweepIntervalMs: 0 } });
    const loose = await startServer({ port: 0, engine: 'telea', logger: false, allowUrlFetch: true, allowPrivateUrls: true, files: { dir: join(root, 'f-loose'), sweepIntervalMs: 0 } });
    const post = (srv: RunningServer, url: string) => fetch(`${srv.baseURL}/images/edits`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ prompt: 'x', images: [{ image_url: url }] }) });
    try {
      for (const url of [`http://127.0.0.1:${sport}/`, `http://localhost:${sport}/`, `http://[::ffff:127.0.0.1]:${sport}/`, `http://0x7f000001:${sport}/`]) {
        const r = await post(strict, url);
        expect(r.status).toBe(400);
        expect(((await r.json()) as { error: unknown }).error).toMatchObject({ code: 'image_url_blocked', param: 'images[0].image_url' });
      }
      expect(hits).toBe(0);
      const redirects = await post(loose, `http://127.0.0.1:${sport}/hop0`);
      expect(((await redirects.json()) as { error: { message: string } }).error.message).toContain('more than 3 redirects');
      const failing = await post(loose, `http://127.0.0.1:${sport}/secret`);
      const text = await failing.text();
      expect(failing.status).toBe(400);
      expect(text).not.toContain('INTERNAL-SECRET-TOKEN');
      expect(JSON.parse(text).error.message).toBe("Invalid 'images[0].image_url': could not fetch the image (the server answered HTTP 500).");
    } finally {
      await strict.close();
      await loose.close();
      secret.close();
    }
  });
});

describe('answers Node gives before fastify, and field limits', () => {
  it('oversized headers → 431 and a malformed request line → 400, both in OpenAI shape', async () => {
    const big = await raw(['GET /v1/models HTTP/1.1', `Host: 127.0.0.1:${port}`, `X-Big: ${'a'.repeat(20_000)}`]);
    expect(big.status).toBe(431);
    expect(errorOf(big)).toMatchObject({ code: 'request_header_fields_too_large', type: 'invalid_request_error' });
    const bad = await raw(['GARBAGE\u0001 / HTTP/1.1', `Host: 127.0.0.1:${port}`]);
    expect(bad.status).toBe(400);
    expect(errorOf(bad)).toMatchObject({ code: 'invalid_request', type: 'invalid_request_error', param: null });
  });

  it('a text field longer than the per-field limit is refused, not truncated and measured', async () => {
    const r = await raw(formHead('/v1/images/edits'), form([
      { disposition: 'form-data; name="image"; filename="a.png"', body: image, type: 'image/png' },
      { disposition: 'form-data; name="prompt"', body: 'x'.repeat(1_500_000) },
    ]));
    expect(r.status).toBe(400);
    expect(errorOf(r)).toMatchObject({ code: 'string_above_max_length', param: 'prompt', message: "Invalid 'prompt': the field is longer than the 1048576 bytes this server reads per multipart field." });
  });

  it('/healthz names the engine that runs by default', async () => {
    const r = await raw(['GET /healthz HTTP/1.1', `Host: 127.0.0.1:${port}`]);
    expect(JSON.parse(r.body)).toMatchObject({ provider: 'local', engine: 'telea' });
  });
});

describe('messages name what was received', () => {
  it.each([
    ['1e3', "Invalid type for 'n': expected an integer, but got a string instead."],
    ['0x10', "Invalid type for 'n': expected an integer, but got a string instead."],
    ['1.5', "Invalid type for 'n': expected an integer, but got a decimal instead."],
  ])('multipart n=%s', async (n, message) => {
    const r = await raw(formHead('/v1/images/edits'), form([
      { disposition: 'form-data; name="image"; filename="a.png"', body: image, type: 'image/png' },
      { disposition: 'form-data; name="prompt"', body: 'x' }, { disposition: 'form-data; name="n"', body: n },
    ]));
    expect(r.status).toBe(400);
    expect(errorOf(r)).toMatchObject({ code: 'invalid_type', param: 'n', message });
  });

  it("edit --model '' is a usage error, not silently the default", async () => {
    const { runCli } = await import('../_helpers/cli.js');
    const r = await runCli(['edit', 'in.png', '--mask', 'm.png', '--prompt', 'x', '--model', '', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'USAGE', message: "--model is empty; name a model (maskedit models lists them) or drop --model for the default" });
  });
});

describe('stalled uploads', () => {
  it('a body that stops arriving gets 408 in OpenAI shape and frees its queue place', async () => {
    const srv = await startServer({ port: 0, engine: 'telea', logger: false, concurrency: 1, queue: 1, uploadIdleMs: 300, files: { dir: join(root, 'f-stall'), sweepIntervalMs: 0 } });
    const sport = Number(new URL(srv.origin).port);
    const body = form([
      { disposition: 'form-data; name="image"; filename="a.png"', body: image, type: 'image/png' },
      { disposition: 'form-data; name="mask"; filename="m.png"', body: mask, type: 'image/png' },
      { disposition: 'form-data; name="prompt"', body: 'x' },
    ]);
    const head = [`POST /v1/images/edits HTTP/1.1`, `Host: 127.0.0.1:${sport}`, `Content-Type: multipart/form-data; boundary=${BOUNDARY}`, `Content-Length: ${body.length}`, '', ''].join('\r\n');
    // Two clients send 100 bytes of their bodies, then stop.
    const stalled = [0, 1].map(() => new Promise<string>((resolve, reject) => {
      const s = connect(sport, '127.0.0.1');
      let got = '';
      s.on('data', (d) => (got += d.toString('latin1')));
      s.on('error', reject);
      s.on('close', () => resolve(got));
      s.write(Buffer.concat([Buffer.from(head), body.subarray(0, 100)]));
    }));
    try {
      const answers = await Promise.all(stalled);
      for (const a of answers) {
        expect(a.split(' ')[1]).toBe('408');
        expect(JSON.parse(a.split('\r\n\r\n')[1]!).error).toMatchObject({ code: 'request_timeout', type: 'invalid_request_error' });
      }
      // Both places are free again: a whole request is served.
      const ok = await fetch(`${srv.baseURL}/images/edits`, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, body });
      expect(ok.status).toBe(200);
      expect(srv.app.maskedit.queue.stats()).toMatchObject({ running: 0, waiting: 0 });
    } finally {
      await srv.close();
    }
  });
});

describe('trickling uploads', () => {
  /** Opens a raw edit request and sends its body one byte every `everyMs` (after the first `lead` bytes). */
  function trickle(sport: number, body: Buffer, everyMs: number, lead = 100) {
    const head = [`POST /v1/images/edits HTTP/1.1`, `Host: 127.0.0.1:${sport}`, `Content-Type: multipart/form-data; boundary=${BOUNDARY}`, `Content-Length: ${body.length}`, '', ''].join('\r\n');
    const s = connect(sport, '127.0.0.1');
    let got = '';
    let sent = lead;
    s.on('data', (d) => (got += d.toString('latin1')));
    s.on('error', () => undefined);
    const timer = setInterval(() => {
      if (s.destroyed || sent >= body.length - 1) return;
      s.write(body.subarray(sent, sent + 1));
      sent++;
    }, everyMs);
    const closed = new Promise<string>((resolve) => s.on('close', () => { clearInterval(timer); resolve(got); }));
    s.write(Buffer.concat([Buffer.from(head), body.subarray(0, lead)]));
    return { answer: () => got, closed, stop: () => { clearInterval(timer); s.destroy(); } };
  }
  const editBody = () => form([
    { disposition: 'form-data; name="image"; filename="a.png"', body: image, type: 'image/png' },
    { disposition: 'form-data; name="mask"; filename="m.png"', body: mask, type: 'image/png' },
    { disposition: 'form-data; name="prompt"', body: 'x' },
  ]);

  it('six tricklers (more than the 2 queue places) do not lock an honest edit out: it is served while they still trickle', async () => {
    const srv = await startServer({ port: 0, engine: 'telea', logger: false, concurrency: 1, queue: 1, uploadIdleMs: 60_000, uploadMinBytesPerSec: 1, uploadRateWindowMs: 60_000, files: { dir: join(root, 'f-trickle'), sweepIntervalMs: 0 } });
    const sport = Number(new URL(srv.origin).port);
    const body = editBody();
    const tricklers = Array.from({ length: 6 }, () => trickle(sport, body, 200));
    try {
      // Every trickler's headers have reached the server (its upload counter says so) before the honest edit.
      await srv.app.maskedit.uploads.until((n) => n === 6);
      const ok = await fetch(`${srv.baseURL}/images/edits`, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, body });
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { data: unknown[] }).data).toHaveLength(1);
      // The tricklers were never answered: they held upload places, not queue places.
      expect(tricklers.map((t) => t.answer())).toEqual(['', '', '', '', '', '']);
      expect(srv.app.maskedit.queue.stats()).toMatchObject({ running: 0, waiting: 0 });
    } finally {
      for (const t of tricklers) t.stop();
      await srv.close();
    }
  });

  it('a body trickling below the minimum rate gets 408 in OpenAI shape naming the rate, though bytes keep coming', async () => {
    const srv = await startServer({ port: 0, engine: 'telea', logger: false, concurrency: 1, queue: 1, uploadIdleMs: 60_000, uploadMinBytesPerSec: 1000, uploadRateWindowMs: 400, files: { dir: join(root, 'f-slow'), sweepIntervalMs: 0 } });
    const sport = Number(new URL(srv.origin).port);
    const t = trickle(sport, editBody(), 50);
    try {
      const a = await t.closed;
      expect(a.split(' ')[1]).toBe('408');
      expect(JSON.parse(a.split('\r\n\r\n')[1]!).error).toEqual({
        code: 'request_timeout', type: 'invalid_request_error', param: null,
        message: 'The upload was too slow: fewer than 1000 bytes/s arrived over 0.4 s. Send the body at a steady rate, or ask the operator to lower --upload-min-rate.',
      });
      // Its upload place is given back (the abort hook runs just after the socket closes).
      await srv.app.maskedit.uploads.until((n) => n === 0);
      expect(srv.app.maskedit.uploads.count()).toBe(0);
    } finally {
      t.stop();
      await srv.close();
    }
  });

  it('a server too busy to read (its event loop blocked) does not blame the client: the body completes and is served', async () => {
    const srv = await startServer({ port: 0, engine: 'telea', logger: false, concurrency: 1, queue: 1, uploadIdleMs: 300, uploadMinBytesPerSec: 1000, uploadRateWindowMs: 400, files: { dir: join(root, 'f-busy'), sweepIntervalMs: 0 } });
    const sport = Number(new URL(srv.origin).port);
    const body = editBody();
    const head = [`POST /v1/images/edits HTTP/1.1`, `Host: 127.0.0.1:${sport}`, `Content-Type: multipart/form-data; boundary=${BOUNDARY}`, `Content-Length: ${body.length}`, 'Connection: close', '', ''].join('\r\n');
    const s = connect(sport, '127.0.0.1');
    let got = '';
    s.on('data', (d) => (got += d.toString('latin1')));
    const closed = new Promise<void>((resolve) => s.on('close', () => resolve()));
    try {
      s.write(Buffer.concat([Buffer.from(head), body.subarray(0, 100)]));
      await srv.app.maskedit.uploads.until((n) => n === 1);
      // The whole process (server included) is busy for 1.5 s: longer than the window and the idle limit.
      const until = Date.now() + 1500;
      while (Date.now() < until) { /* busy */ }
      s.write(body.subarray(100));
      await closed;
      expect(got.split(' ')[1]).toBe('200');
    } finally {
      s.destroy();
      await srv.close();
    }
  });

  it('uploads in progress are limited separately: past maxUploads a new edit is a clean 429 before its body is read', async () => {
    const srv = await startServer({ port: 0, engine: 'telea', logger: false, concurrency: 1, queue: 1, maxUploads: 2, uploadIdleMs: 60_000, uploadMinBytesPerSec: 1, uploadRateWindowMs: 60_000, files: { dir: join(root, 'f-uploads'), sweepIntervalMs: 0 } });
    const sport = Number(new URL(srv.origin).port);
    const body = editBody();
    const tricklers = [0, 1].map(() => trickle(sport, body, 200));
    try {
      await srv.app.maskedit.uploads.until((n) => n === 2);
      const r = await fetch(`${srv.baseURL}/images/edits`, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, body });
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toBe('1');
      expect(((await r.json()) as { error: unknown }).error).toEqual({
        code: 'rate_limit_exceeded', type: 'requests', param: null,
        message: 'Too many uploads in progress (2 at once). Retry after 1 s.',
      });
    } finally {
      for (const t of tricklers) t.stop();
      await srv.close();
    }
  });
});

describe('client disconnects are logged at info with status 499, never as errors with stacks', () => {
  it('a client that hangs up mid-upload leaves one info line with status 499 and no error line', async () => {
    const lines: { level: number; status?: number; msg?: string; err?: unknown }[] = [];
    let saw499!: () => void;
    const got499 = new Promise<void>((r) => { saw499 = r; });
    const stream = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split('\n').filter(Boolean)) {
          const j = JSON.parse(l) as (typeof lines)[number];
          lines.push(j);
          if (j.status === 499) saw499();
        }
        done();
      },
    });
    const srv = await startServer({ port: 0, engine: 'telea', logger: { level: 'info', stream }, files: { dir: join(root, 'f-hangup'), sweepIntervalMs: 0 } });
    const sport = Number(new URL(srv.origin).port);
    const body = form([{ disposition: 'form-data; name="image"; filename="a.png"', body: image, type: 'image/png' }, { disposition: 'form-data; name="mask"; filename="m.png"', body: mask, type: 'image/png' }, { disposition: 'form-data; name="prompt"', body: 'x' }]);
    const head = [`POST /v1/images/edits HTTP/1.1`, `Host: 127.0.0.1:${sport}`, `Content-Type: multipart/form-data; boundary=${BOUNDARY}`, `Content-Length: ${body.length}`, '', ''].join('\r\n');
    try {
      const s = connect(sport, '127.0.0.1');
      s.write(Buffer.concat([Buffer.from(head), body.subarray(0, 200)]));
      await srv.app.maskedit.uploads.until((n) => n === 1);
      s.destroy();
      await got499;
      await srv.app.maskedit.uploads.until((n) => n === 0);
      // Let any late error handler run (bounded: 20 turns of the event loop).
      for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
      expect(lines.filter((l) => l.level >= 50)).toEqual([]);
      expect(JSON.stringify(lines)).not.toContain('stack');
      expect(lines.filter((l) => l.status === 499)).toEqual([expect.objectContaining({ level: 30, status: 499, msg: 'client closed the connection' })]);
    } finally {
      await srv.close();
    }
  });
});

describe('server admission by pixel cost', () => {
  it('an edit whose image and mask exceed the whole pixel budget is a 413 naming the limit, before any decode', async () => {
    const srv = await startServer({ port: 0, engine: 'telea', logger: false, pixelBudget: 5_000, files: { dir: join(root, 'f-pixels'), sweepIntervalMs: 0 } });
    try {
      const body = form([
        { disposition: 'form-data; name="image"; filename="a.png"', body: image, type: 'image/png' },
        { disposition: 'form-data; name="mask"; filename="m.png"', body: mask, type: 'image/png' },
        { disposition: 'form-data; name="prompt"', body: 'x' },
      ]);
      const r = await fetch(`${srv.baseURL}/images/edits`, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, body });
      expect(r.status).toBe(413);
      expect(((await r.json()) as { error: unknown }).error).toEqual({
        code: 'pixel_budget_exceeded', type: 'invalid_request_error', param: null,
        message: 'This edit needs 8192 pixels of decoded images (image and mask together); this server works on at most 5000 pixels at once.',
      });
      expect(srv.app.maskedit.queue.stats()).toMatchObject({ running: 0, waiting: 0, pixelsRunning: 0, pixelBudget: 5_000 });
    } finally {
      await srv.close();
    }
  });

  it('the default budget is one edit at the pixel limit: twice maxPixels', async () => {
    const srv = await startServer({ port: 0, engine: 'telea', logger: false, maxPixels: 1_000_000, files: { dir: join(root, 'f-pixels2'), sweepIntervalMs: 0 } });
    try {
      expect(srv.app.maskedit.queue.stats().pixelBudget).toBe(2_000_000);
    } finally {
      await srv.close();
    }
  });
});

describe('studio /api/check goes through the edit queue', () => {
  it('a check holds a queue place: with the only place taken, the next check is a clean 429; once given back, it is served', async () => {
    const dist = join(root, 'dist');
    const srv = await startServer({ port: 0, engine: 'telea', logger: false, concurrency: 1, queue: 0, files: { dir: join(root, 'f-check'), sweepIntervalMs: 0 }, plugins: [studioPlugin({ distDir: dist, env: {} })] });
    const body = form([{ disposition: 'form-data; name="image"; filename="a.png"', body: image, type: 'image/png' }, { disposition: 'form-data; name="mask"; filename="m.png"', body: mask, type: 'image/png' }]);
    const check = () => fetch(`${srv.origin}/api/check`, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, body });
    // An edit that has arrived holds the only place.
    const holder = srv.app.maskedit.queue.reserve();
    try {
      const second = await check();
      expect(second.status).toBe(429);
      expect(((await second.json()) as { error: { code: string } }).error.code).toBe('rate_limit_exceeded');
      holder.release();
      const third = await check();
      expect(third.status).toBe(200);
      expect(srv.app.maskedit.queue.stats()).toMatchObject({ running: 0, waiting: 0, completed: 1 });
    } finally {
      holder.release();
      await srv.close();
    }
  });
});
