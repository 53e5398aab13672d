/**
 * edit() writes its first output into the input's own buffer (finish's `takeInput`): the outputs, report, raw
 * outputs and heatmap are those of a finish that copies the input, and `result.input.raster` is still the
 * decoded input, rebuilt on first read.
 */
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/io/image.js';
import { edit } from '../../src/pipeline/edit.js';
import { finish, plan, prepare, send, stageRun } from '../../src/pipeline/stages.js';
import { cast, FINISH_CASES, holeInputs } from '../_helpers/finish-cases.js';

const same = (a: Uint8Array | Uint8ClampedArray, b: Uint8Array | Uint8ClampedArray) => Buffer.from(a).equals(Buffer.from(b));

describe('finish with takeInput = finish with a copy', () => {
  it.each(FINISH_CASES)('%s', async (_, shape, extra) => {
    const { image, mask } = await holeInputs(shape);
    const opts = { image, mask, prompt: 'A test card. Paint the hole green.', provider: cast, ...extra };
    const run = stageRun();
    const prepared = await prepare(opts, run);
    const planned = await plan(prepared, opts, run);
    const sent = await send(prepared, planned, {}, run);
    const copied = await finish(prepared, planned, sent, opts, run);
    const taken = await edit(opts);
    const decoded = (await decodeImage(image)).raster;
    expect(same(copied.input.raster.data, decoded.data)).toBe(true);
    expect(taken.outputs).toHaveLength(copied.outputs.length);
    copied.outputs.forEach((o, i) => expect(same(taken.outputs[i]!.data, o.data)).toBe(true));
    expect({ ...taken.report, timingsMs: {} }).toEqual({ ...copied.report, timingsMs: {} });
    expect(same(taken.input.raster.data, decoded.data)).toBe(true);
    expect(same(taken.heatmap.data, copied.heatmap.data)).toBe(true);
    copied.raw.forEach((r, i) => expect(same(taken.raw[i]!.data, r.data)).toBe(true));
    // The output is the input's buffer; the input read back is a separate copy.
    expect(taken.input.raster.data.buffer).not.toBe(taken.outputs[0]!.data.buffer);
  });
});
