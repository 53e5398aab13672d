/**
 * End to end: Debian's chromium (driven by playwright-core) against a real studio server with the embedded
 * engine. Open the lounge photo, paint a stroke over the chair with the mouse, try the shortcuts ([, ], Ctrl+Z,
 * Ctrl+Shift+Z), write the prompt, run, see the result, download result and mask, and check the result is the
 * input's size with every pixel outside the painted mask bit-identical. Screenshots of each main state go to
 * test-artifacts/studio/ (git-ignored). The page is built from the current sources the way `maskedit studio`
 * builds it on a fresh clone (a cache keyed by the sources' hash, here under test-artifacts/), so a stale
 * web/dist from an earlier `npm run build` is never what is tested.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/listen.js';
import { studioPlugin } from '../../src/studio/plugin.js';
import { ensureStudioBuilt } from '../../src/studio/build.js';
import { countNonZero, editMaskToApiRgba, type EditMask } from '../../src/core/raster.js';
import { localProvider } from '../../src/providers/local.js';
import type { Provider } from '../../src/providers/provider.js';
import { edit } from '../../src/pipeline/edit.js';
import { png } from '../_helpers/images.js';
import { scene } from '../_helpers/scene.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ARTIFACTS = `${ROOT}test-artifacts/studio`;
const IMAGE = `${ROOT}examples/lounge.png`;

let server: RunningServer;
/** The page built from the current sources (see the header). */
let distDir: string;
let browser: Browser;
let page: Page;

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png` });
}

/** Screen position of an image pixel: the mask canvas is drawn at image size and scaled by the view. */
async function screenOf(x: number, y: number): Promise<{ x: number; y: number }> {
  const box = (await page.locator('canvas.mask-layer').boundingBox())!;
  return { x: box.x + (x / 1024) * box.width, y: box.y + (y / 1024) * box.height };
}

const editablePercent = async () => Number((await page.locator('#status-editable').textContent())!.replace(/[^\d.]/g, '') || '0');

// On a developer machine without chromium these tests skip; under CI (CI=true) a missing browser is a failure,
// because .ci/run installs it and a silent skip would hide a broken studio.
describe.skipIf(!existsSync(CHROMIUM) && !process.env.CI)('studio in chromium', () => {
  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    ({ dir: distDir } = await ensureStudioBuilt(`${ARTIFACTS}/no-dist`, { MASKEDIT_CACHE_DIR: `${ROOT}test-artifacts/cache` }, () => {}));
    server = await startServer({ host: '127.0.0.1', port: 0, engine: 'telea', logger: false, plugins: [studioPlugin({ env: {}, distDir })] });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    page.on('pageerror', (e) => { throw e; });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('opens, paints, undoes, runs on the embedded engine and keeps every pixel outside the mask', async () => {
    await page.goto(server.origin);
    await expect.poll(() => page.locator('#provider-badge').textContent()).toBe('Embedded engine · no OpenAI key');
    await expect.poll(() => page.getByRole('button', { name: 'Run edit' }).isDisabled()).toBe(true);
    await shot('01-empty');

    await page.setInputFiles('#image-input', IMAGE);
    await expect.poll(() => page.locator('#status-size').textContent()).toBe('1024 × 1024 px');
    await expect.poll(editablePercent).toBe(0);
    expect(await page.locator('#findings .finding').first().getAttribute('data-code')).toBe('MASK_NOTHING_EDITABLE');

    // Brush size shortcuts: ] grows, [ shrinks (about 15 % a step).
    const size = async () => Number((await page.locator('#brush-size-value').textContent())!.replace(/\D/g, ''));
    const start = await size();
    await page.keyboard.press(']');
    await page.keyboard.press(']');
    const bigger = await size();
    expect(bigger).toBeGreaterThan(start);
    await page.keyboard.press('[');
    expect(await size()).toBeLessThan(bigger);
    await page.keyboard.press('[');
    expect(await size()).toBe(start);

    // One stroke over the egg chair on the right: along its top, then back along its bottom.
    for (let i = 0; i < 4; i++) await page.keyboard.press(']');
    const path = [[880, 615], [1015, 615], [1015, 690], [880, 690]] as const;
    const first = await screenOf(path[0][0], path[0][1]);
    await page.mouse.move(first.x, first.y);
    await page.mouse.down();
    for (const [x, y] of path.slice(1)) {
      const p = await screenOf(x, y);
      await page.mouse.move(p.x, p.y, { steps: 8 });
    }
    await page.mouse.up();
    // The status line updates on the next animation frame.
    await expect.poll(editablePercent).toBeGreaterThan(0);
    const painted = await editablePercent();
    expect(painted).toBeGreaterThan(1);
    expect(painted).toBeLessThan(3);

    // Ctrl+Z takes the stroke back, Ctrl+Shift+Z restores it; the Undo button does the same.
    await page.keyboard.press('Control+z');
    await expect.poll(editablePercent).toBe(0);
    await page.keyboard.press('Control+Shift+Z');
    await expect.poll(editablePercent).toBe(painted);
    await page.getByRole('button', { name: 'Undo' }).click();
    await expect.poll(editablePercent).toBe(0);
    await page.getByRole('button', { name: 'Redo' }).click();
    await expect.poll(editablePercent).toBe(painted);

    await page.getByLabel('The full final image').fill('A sunlit pink lounge with a curved pool; the round platform on the right is empty');
    await page.getByLabel('The one change').fill('Remove the white egg chair');
    await page.getByLabel('Keep unchanged').fill('the pool; the windows; the lighting; the camera angle');
    await expect.poll(() => page.locator('#prompt-preview').textContent()).toBe(
      'A sunlit pink lounge with a curved pool; the round platform on the right is empty. Remove the white egg chair. Preserve the pool, the windows, the lighting and the camera angle. Do not change anything else.');
    await expect.poll(() => page.locator('#findings .finding').first().getAttribute('class')).toBe('finding ok');
    await expect.poll(() => page.locator('#cost').textContent()).toMatch(/^≈ \$0\.\d+ if run on OpenAI/);
    await expect.poll(() => page.locator('svg .plan rect').count()).toBe(1);
    await shot('02-painted');

    const run = page.getByRole('button', { name: 'Run edit' });
    expect(await run.isEnabled()).toBe(true);
    await run.click();
    const result = page.getByTestId('result');
    await result.waitFor({ state: 'visible', timeout: 30_000 });
    await expect.poll(() => page.locator('#verdict .chip').textContent()).toMatch(/^(local|spilled|rewritten)$/);
    expect(await result.getByText('Final outside changed pixels').isVisible()).toBe(true);
    await expect.poll(() => page.locator('#compare').isVisible()).toBe(true);
    // Strings, not functions: the test is type-checked without the DOM lib.
    await page.waitForFunction("document.getElementById('after-img').complete");
    await shot('03-result');

    await page.getByLabel('Spillover heatmap').check();
    await shot('04-heatmap');
    await page.getByLabel('Spillover heatmap').uncheck();

    // Downloads: the result and the mask the studio sent.
    const [resultDl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download result' }).click()]);
    const [maskDl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download mask' }).click()]);
    expect(resultDl.suggestedFilename()).toBe('lounge-edit-1.png');
    expect(maskDl.suggestedFilename()).toBe('lounge-mask.png');
    const out = await sharp(await readFile((await resultDl.path())!)).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const maskFile = await readFile((await maskDl.path())!);
    const maskMeta = await sharp(maskFile).metadata();
    expect([maskMeta.width, maskMeta.height, maskMeta.channels, maskMeta.hasAlpha]).toEqual([1024, 1024, 4, true]);
    const maskPx = await sharp(maskFile).raw().toBuffer();
    const input = await sharp(IMAGE).ensureAlpha().raw().toBuffer();
    expect([out.info.width, out.info.height]).toEqual([1024, 1024]);

    let editable = 0, outsideChanged = 0, insideChanged = 0, partialAlpha = 0;
    for (let p = 0; p < 1024 * 1024; p++) {
      const i = p * 4;
      const same = input[i] === out.data[i] && input[i + 1] === out.data[i + 1] && input[i + 2] === out.data[i + 2] && input[i + 3] === out.data[i + 3];
      if (maskPx[i + 3] === 0) {
        editable++;
        if (!same) insideChanged++;
      } else {
        if (maskPx[i + 3] !== 255) partialAlpha++;
        if (!same) outsideChanged++;
      }
    }
    expect(partialAlpha).toBe(0);
    expect(outsideChanged).toBe(0);
    expect(editable / (1024 * 1024) * 100).toBeCloseTo(painted, 1);
    expect(insideChanged).toBeGreaterThan(editable * 0.3);
    // The mask is where the mouse went: the stroke's middle is editable, the far corner is not.
    expect(maskPx[(615 * 1024 + 948) * 4 + 3]).toBe(0);
    expect(maskPx[(690 * 1024 + 948) * 4 + 3]).toBe(0);
    expect(maskPx[(20 * 1024 + 20) * 4 + 3]).toBe(255);

    // The guide's loop: continue from this result with an empty mask; the step stays in the history.
    await page.getByRole('button', { name: 'Continue from this result' }).first().click();
    await expect.poll(() => page.locator('#file-name').textContent()).toBe('lounge · step 1.png · 1024×1024');
    await expect.poll(editablePercent).toBe(0);
    expect(await page.locator('#history .step').count()).toBe(1);
    // Continue puts the cursor in "The one change"; shortcuts apply once the canvas has the focus.
    expect(await page.evaluate('document.activeElement && document.activeElement.id')).toBe('change');
    await page.locator('#viewport').focus();
    await page.keyboard.press('r');
    expect(await page.getByRole('button', { name: 'Rectangle' }).getAttribute('aria-pressed')).toBe('true');
    const r0 = await screenOf(300, 560), r1 = await screenOf(420, 620);
    await page.mouse.move(r0.x, r0.y);
    await page.mouse.down();
    await page.mouse.move(r1.x, r1.y, { steps: 5 });
    await page.mouse.up();
    await expect.poll(editablePercent).toBeCloseTo((120 * 60) / (1024 * 1024) * 100, 1);
    await shot('05-continue');
  });

  it('takes an existing black-and-white mask through the doctor, applies the repair, and cancels a run', async () => {
    await page.goto(server.origin);
    await page.setInputFiles('#image-input', IMAGE);
    await expect.poll(() => page.locator('#status-size').textContent()).toBe('1024 × 1024 px');
    // The example mask as a painter would export it: black where to edit, white elsewhere, no alpha.
    const alpha = await sharp(`${ROOT}examples/lounge-mask.png`).extractChannel(3).raw().toBuffer();
    const bw = await sharp(alpha, { raw: { width: 1024, height: 1024, channels: 1 } }).toColourspace('b-w').png().toBuffer();
    await page.setInputFiles('#mask-input', { name: 'lounge-bw-mask.png', mimeType: 'image/png', buffer: bw });
    const repairBox = page.locator('#repair-box');
    await expect.poll(() => repairBox.locator('.finding').first().getAttribute('data-code')).toBe('MASK_NO_ALPHA');
    expect(await repairBox.locator('.finding .msg').first().textContent()).toMatch(/^lounge-bw-mask\.png is a grayscale PNG/);
    await shot('06-doctor');
    await page.getByRole('button', { name: 'Apply repair' }).click();
    let editable = 0;
    for (const a of alpha) if (a === 0) editable++;
    await expect.poll(editablePercent).toBe(Number((editable / (1024 * 1024) * 100).toFixed(2)));
    await page.getByLabel('The full final image').fill('A sunlit pink lounge with a curved pool and an empty floor');
    await page.locator('#engine').selectOption('patchmatch');
    await page.getByRole('button', { name: 'Run edit' }).click();
    await page.locator('#progress').waitFor({ state: 'visible' });
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => page.locator('#run-error').textContent()).toBe('Cancelled. Nothing was changed.');
    expect(await page.getByTestId('result').isVisible()).toBe(false);
    await expect.poll(() => server.app.maskedit.queue.stats().running, { timeout: 10_000 }).toBe(0);
    expect(await page.getByRole('button', { name: 'Run edit' }).isEnabled()).toBe(true);
  });

  it('Select tool: a dragged box and a click each add an object as one undoable step, then the eraser refines', async () => {
    const W = 640, H = 480;
    const sc = scene(W, H, { cx: 200, cy: 240, r: 110, sx: 430, sy: 80, s: 120 });
    await page.goto(server.origin);
    await page.setInputFiles('#image-input', { name: 'objects.png', mimeType: 'image/png', buffer: await png(sc.image) });
    await expect.poll(() => page.locator('#status-size').textContent()).toBe('640 × 480 px');
    const at = async (x: number, y: number) => {
      const box = (await page.locator('canvas.mask-layer').boundingBox())!;
      return { x: box.x + (x / W) * box.width, y: box.y + (y / H) * box.height };
    };
    const pct = (n: number) => (n / (W * H)) * 100;
    await page.keyboard.press('s');
    expect(await page.locator('.tool[data-tool="select"]').getAttribute('aria-pressed')).toBe('true');
    // Drag a box around the disc.
    const a = await at(70, 110), b = await at(330, 370);
    await page.mouse.move(a.x, a.y);
    await page.mouse.down();
    await page.mouse.move(b.x, b.y, { steps: 6 });
    await page.mouse.up();
    await expect.poll(editablePercent, { timeout: 30_000 }).toBeCloseTo(pct(countNonZero(sc.disc)), 0);
    await shot('07-select-box');
    // Click the square: added to the disc.
    const c = await at(490, 140);
    await page.mouse.click(c.x, c.y);
    const both = countNonZero(sc.disc) + countNonZero(sc.square);
    await expect.poll(editablePercent, { timeout: 30_000 }).toBeCloseTo(pct(both), 0);
    // One step each: undo removes the square, redo brings it back.
    await page.keyboard.press('Control+z');
    await expect.poll(editablePercent).toBeCloseTo(pct(countNonZero(sc.disc)), 0);
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(editablePercent).toBeCloseTo(pct(both), 0);
    // Refine with the eraser: a stroke across the square lowers the editable share.
    const before = await editablePercent();
    await page.keyboard.press('e');
    const e0 = await at(440, 140), e1 = await at(540, 140);
    await page.mouse.move(e0.x, e0.y);
    await page.mouse.down();
    await page.mouse.move(e1.x, e1.y, { steps: 5 });
    await page.mouse.up();
    await expect.poll(editablePercent).toBeLessThan(before);
    await shot('08-select-refined');
  });

  it("\"don't sample here\" brush: painted in its own colour, undoable, sent as the heal engine's exclude mask, ignored with a note elsewhere", async () => {
    // A noisy gray wall with a red post just right of the hole (from x = 121; the rectangle is dragged to x = 120):
    // without the area, heal copies red into the fill. (From x = 122 the seventh pass's heal no longer does.)
    const W = 200, H = 150, HOLE = { x: 80, y: 50, w: 40, h: 50 }, RED = { x: 121, y: 35, w: 30, h: 80 };
    const px = Buffer.alloc(W * H * 4);
    let s = 7;
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      const i = (y * W + x) * 4, n = 110 + ((s >> 8) % 40);
      const red = x >= RED.x && x < RED.x + RED.w && y >= RED.y && y < RED.y + RED.h;
      px[i] = red ? 230 : n; px[i + 1] = red ? 20 : n; px[i + 2] = red ? 20 : n; px[i + 3] = 255;
    }
    const imagePng = await sharp(px, { raw: { width: W, height: H, channels: 4 } }).png().toBuffer();
    const redInHole = (rgba: ArrayLike<number>) => {
      let n = 0;
      for (let y = HOLE.y; y < HOLE.y + HOLE.h; y++) for (let x = HOLE.x; x < HOLE.x + HOLE.w; x++) { const i = (y * W + x) * 4; if (rgba[i]! > 180 && rgba[i + 1]! < 80) n++; }
      return n;
    };
    // A server whose process has a key, so OpenAI can be picked (never run here) to see the note.
    // Its embedded engine records the exclude mask it is given.
    const received: EditMask[] = [];
    const heal = localProvider({ engine: 'heal' });
    const recording: Provider = { ...heal, edit: (req) => { if (req.exclude) received.push(req.exclude); return heal.edit(req); } };
    const withKey = await startServer({ host: '127.0.0.1', port: 0, engine: 'heal', provider: recording, logger: false, plugins: [studioPlugin({ env: { OPENAI_API_KEY: 'sk-e2e-never-used' }, distDir })] });
    try {
      await page.goto(withKey.origin);
      await page.setInputFiles('#image-input', { name: 'post.png', mimeType: 'image/png', buffer: imagePng });
      await expect.poll(() => page.locator('#status-size').textContent()).toBe('200 × 150 px');
      const at = async (x: number, y: number) => {
        const box = (await page.locator('canvas.mask-layer').boundingBox())!;
        return { x: box.x + (x / W) * box.width, y: box.y + (y / H) * box.height };
      };
      const drag = async (from: [number, number], to: [number, number]) => {
        const a = await at(...from), b = await at(...to);
        await page.mouse.move(a.x, a.y);
        await page.mouse.down();
        await page.mouse.move(b.x, b.y, { steps: 8 });
        await page.mouse.up();
      };
      await page.locator('#viewport').focus();
      await page.keyboard.press('r');
      await drag([HOLE.x, HOLE.y], [HOLE.x + HOLE.w, HOLE.y + HOLE.h]);
      await expect.poll(editablePercent).toBeGreaterThan(0);
      await page.keyboard.press('d');
      expect(await page.getByRole('button', { name: "Don't sample" }).getAttribute('aria-pressed')).toBe('true');
      await page.locator('#brush-size').fill('40');
      await drag([137, 25], [137, 125]);
      const excludeText = () => page.locator('#status-exclude').textContent();
      await expect.poll(excludeText).toMatch(/^\d+(\.\d+)? % don't sample$/);
      const painted = await excludeText();
      // Its own colour on the overlay: blue where only the area is, the mask's pink where the hole is.
      const overlayAt = (x: number, y: number) => page.evaluate(`Array.from(document.querySelector('canvas.mask-layer').getContext('2d').getImageData(${x}, ${y}, 1, 1).data)`);
      expect(await overlayAt(137, 70)).toEqual([0, 190, 255, 255]);
      expect(await overlayAt(100, 75)).toEqual([255, 64, 110, 255]);
      expect(await overlayAt(20, 20)).toEqual([0, 0, 0, 0]);
      const note = page.locator('#exclude-note');
      await expect.poll(() => note.textContent()).toMatch(/^Don't sample here: \d+(\.\d+)? % of the image \(blue\); the fill will not copy from it\.$/);
      await shot('09-dont-sample');
      // One undoable step like the other tools; the mask is untouched by it.
      const editable = await editablePercent();
      await page.keyboard.press('Control+z');
      await expect.poll(excludeText).toBe('');
      expect([await note.isHidden(), await editablePercent()]).toEqual([true, editable]);
      await page.keyboard.press('Control+Shift+z');
      await expect.poll(excludeText).toBe(painted);
      // Providers and engines that cannot use it: a visible note, and it is not sent.
      await page.locator('#provider').selectOption('openai');
      await expect.poll(() => note.textContent()).toMatch(/ignored — OpenAI cannot use it: it is not sent\. It applies to the embedded engine\.$/);
      await page.locator('#provider').selectOption('local');
      await page.locator('#engine').selectOption('telea');
      await expect.poll(() => note.textContent()).toMatch(/ignored — the telea engine does not copy patches, so it cannot use it: it is not sent\. Pick the heal engine\.$/);
      await page.locator('#engine').selectOption('heal');
      await expect.poll(() => note.textContent()).toMatch(/the fill will not copy from it\.$/);

      await page.getByLabel('The full final image').fill('A plain gray wall next to a red post');
      await page.getByLabel('The one change').fill('Fill the gray patch with wall');
      await page.getByRole('button', { name: 'Run edit' }).click();
      await page.getByTestId('result').waitFor({ state: 'visible', timeout: 60_000 });
      const [dl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download result' }).click()]);
      const out = await sharp(await readFile((await dl.path())!)).ensureAlpha().raw().toBuffer();
      const [maskDl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download mask' }).click()]);
      const maskPng = await readFile((await maskDl.path())!);

      // What the engine received: one exclude mask at the image's size covering the whole red post.
      expect(received).toHaveLength(1);
      const area = received[0]!;
      expect([area.width, area.height, area.channels]).toEqual([W, H, 1]);
      let redOutside = 0;
      for (let y = RED.y; y < RED.y + RED.h; y++) for (let x = RED.x; x < RED.x + RED.w; x++) if (!area.data[y * W + x]) redOutside++;
      expect(redOutside).toBe(0);
      const excludePng = await sharp(editMaskToApiRgba(area).data, { raw: { width: W, height: H, channels: 4 } }).png().toBuffer();
      // The library with the same inputs and that exclude mask gives the page's result byte for byte (seeded
      // engine); without it, heal copies red into the hole, with it none.
      const prompt = 'A plain gray wall next to a red post. Fill the gray patch with wall.';
      const withArea = await edit({ image: imagePng, mask: maskPng, exclude: excludePng, provider: 'local', engine: 'heal', prompt });
      const without = await edit({ image: imagePng, mask: maskPng, provider: 'local', engine: 'heal', prompt });
      expect(Buffer.from(withArea.outputs[0]!.data).equals(out)).toBe(true);
      expect(redInHole(out)).toBe(0);
      expect(redInHole(without.outputs[0]!.data)).toBeGreaterThan(0);
      expect(Buffer.from(without.outputs[0]!.data).equals(out)).toBe(false);

      // Clear empties both layers.
      await page.getByRole('button', { name: 'Continue from this result' }).first().click();
      await expect.poll(excludeText).toBe('');
      await page.locator('#viewport').focus();
      await page.keyboard.press('d');
      await drag([137, 25], [137, 125]);
      await expect.poll(excludeText).toMatch(/don't sample$/);
      await page.getByRole('button', { name: 'Clear' }).click();
      await expect.poll(excludeText).toBe('');
      expect(await editablePercent()).toBe(0);
    } finally {
      await withKey.close();
    }
  });
});
