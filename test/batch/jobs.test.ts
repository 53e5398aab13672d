import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeJobs, parseCsv, readJobs } from '../../src/batch/jobs.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maskedit-jobs-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const p = join(dir, name);
  await mkdir(join(p, '..'), { recursive: true });
  await writeFile(p, text);
  return p;
}

describe('readJobs: .jsonl', () => {
  it('resolves relative paths against the job file, defaults ids to the image base name, keeps options', async () => {
    const p = await file('sub/jobs.jsonl', [
      '{"image":"img/shoe-1.jpg","mask":"img/shoe-1.mask.png","prompt":"A studio. Remove the tag.","quality":"low","provider":"openai"}',
      '',
      '{"id":"hero","image":"/abs/x.png","mask":"/abs/x.mask.png","scene":"A kitchen","change":"Replace the kettle","preserve":["the logo","the tiles"],"feather":2,"strict":false}',
    ].join('\n'));
    expect(await readJobs(p)).toEqual([
      { id: 'shoe-1', image: join(dir, 'sub/img/shoe-1.jpg'), mask: join(dir, 'sub/img/shoe-1.mask.png'), options: { prompt: 'A studio. Remove the tag.', quality: 'low', provider: 'openai' } },
      { id: 'hero', image: '/abs/x.png', mask: '/abs/x.mask.png', options: { scene: 'A kitchen', change: 'Replace the kettle', preserve: ['the logo', 'the tiles'], feather: 2, strict: false } },
    ]);
  });
});

describe('readJobs: .csv', () => {
  it('reads a header row, converts numbers and booleans, leaves blank cells unset, handles quotes', async () => {
    const p = await file('c/jobs.csv', 'id,image,mask,prompt,feather,fix\r\nj1,a.png,a.mask.png,"A room, bright. Remove the ""chair"".",3,true\nj2,b.png,b.mask.png,"Line one\nline two",,\n');
    expect(await readJobs(p)).toEqual([
      { id: 'j1', image: join(dir, 'c/a.png'), mask: join(dir, 'c/a.mask.png'), options: { prompt: 'A room, bright. Remove the "chair".', feather: 3, fix: true } },
      { id: 'j2', image: join(dir, 'c/b.png'), mask: join(dir, 'c/b.mask.png'), options: { prompt: 'Line one\nline two' } },
    ]);
  });

  it('parseCsv keeps empty fields and drops blank lines', () => {
    expect(parseCsv('\uFEFFa,b,c\n1,,3\n\n')).toEqual([['a', 'b', 'c'], ['1', '', '3']]);
  });
});

describe('readJobs: folder + --prompt', () => {
  it('pairs NAME.ext with NAME.mask.png, sorted, the prompt on every job', async () => {
    await file('f/b.jpg', 'x');
    await file('f/b.mask.png', 'x');
    await file('f/a.png', 'x');
    await file('f/a.mask.png', 'x');
    await file('f/notes.txt', 'x');
    expect(await readJobs(join(dir, 'f'), { prompt: 'A shelf. Remove the price tag.' })).toEqual([
      { id: 'a', image: join(dir, 'f/a.png'), mask: join(dir, 'f/a.mask.png'), options: { prompt: 'A shelf. Remove the price tag.' } },
      { id: 'b', image: join(dir, 'f/b.jpg'), mask: join(dir, 'f/b.mask.png'), options: { prompt: 'A shelf. Remove the price tag.' } },
    ]);
  });
});

describe('readJobs: every error has its code', () => {
  it.each([
    ['missing.jsonl', null, 'BATCH_JOBS_NOT_FOUND', /missing\.jsonl does not exist/],
    ['e/jobs.txt', 'x', 'BATCH_JOBS_FORMAT', /cannot read jobs from a \.txt file/],
    ['e/bad.jsonl', '{"image":"a.png",', 'BATCH_JOB_INVALID', /bad\.jsonl:1 is not valid JSON/],
    ['e/arr.jsonl', '\n[1,2]', 'BATCH_JOB_INVALID', /arr\.jsonl:2 is an array, expected a JSON object/],
    ['e/noimg.jsonl', '{"mask":"m.png","prompt":"p"}', 'BATCH_JOB_INVALID', /has no "image" \(expected a path string, received nothing\)/],
    ['e/noprompt.jsonl', '{"image":"a.png","mask":"m.png"}', 'BATCH_JOB_INVALID', /has no "prompt"/],
    ['e/type.jsonl', '{"image":"a.png","mask":"m.png","prompt":"p","feather":"2"}', 'BATCH_JOB_INVALID', /"feather" must be a number, received "2"/],
    ['e/csvnum.csv', 'image,mask,prompt,grow\na.png,m.png,p,lots\n', 'BATCH_JOB_INVALID', /"grow" must be a number, received "lots"/],
    ['e/unknown.jsonl', '{"image":"a.png","mask":"m.png","prompt":"p","feather-outward":2}', 'BATCH_OPTION_UNKNOWN', /sets "feather-outward", which is not a batch job option/],
    ['e/dup.jsonl', '{"image":"x/a.png","mask":"m.png","prompt":"p"}\n{"image":"y/a.jpg","mask":"m.png","prompt":"p"}', 'BATCH_ID_DUPLICATE', /dup\.jsonl:2 has id "a", already used by .*dup\.jsonl:1/],
    ['e/id.jsonl', '{"id":"../evil","image":"a.png","mask":"m.png","prompt":"p"}', 'BATCH_ID_INVALID', /id "\.\.\/evil" cannot name an output file/],
    ['e/empty.jsonl', '\n\n', 'BATCH_JOBS_EMPTY', /holds no jobs/],
    ['e/wide.csv', 'image,mask\na.png,m.png,extra\n', 'BATCH_JOB_INVALID', /row 2 has 3 fields, the header has 2/],
    ['e/quote.csv', 'image,mask,prompt\na.png,m.png,"open\n', 'BATCH_JOB_INVALID', /ends inside a quoted field/],
  ])('%s → %s', async (name, text, code, message) => {
    const p = text === null ? join(dir, name) : await file(name, text);
    await expect(readJobs(p)).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
  });

  it('a folder without --prompt is BATCH_PROMPT_MISSING', async () => {
    await file('g/a.png', 'x');
    await expect(readJobs(join(dir, 'g'))).rejects.toMatchObject({ code: 'BATCH_PROMPT_MISSING' });
  });

  it('an image without its NAME.mask.png is BATCH_MASK_MISSING, naming the expected mask', async () => {
    await file('h/a.png', 'x');
    await expect(readJobs(join(dir, 'h'), { prompt: 'p' })).rejects.toMatchObject({ code: 'BATCH_MASK_MISSING', message: `${join(dir, 'h/a.png')} has no mask: expected ${join(dir, 'h/a.mask.png')}` });
  });

  it('library specs go through the same checks', () => {
    expect(() => normalizeJobs([{ image: 'a.png', mask: 'm.png', prompt: 'p' }, { image: 'b/a.png', mask: 'm.png', prompt: 'p' }], '/base')).toThrow(expect.objectContaining({ code: 'BATCH_ID_DUPLICATE' }));
  });
});
