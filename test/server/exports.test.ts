/**
 * The public API is a deliberate list: a new export (or a lost one) fails here until this list is changed too.
 * `maskedit` is src/index.ts; `maskedit/server` is src/server/index.ts.
 */
import { describe, expect, it } from 'vitest';

describe('public exports', () => {
  it('maskedit/server exports the server and what plugin routes reuse, no internals', async () => {
    const names = Object.keys(await import('../../src/server/index.js')).sort();
    expect(names).toEqual([
      'ApiError', 'DEFAULT_HOST', 'DEFAULT_PORT', 'FILE_ID_PATTERN', 'FILE_PURPOSES', 'WARNINGS_HEADER', 'assertBindable', 'buildServer',
      'decodeDataUrl', 'isLoopbackHost', 'limitProvider', 'openSse', 'parseEditOptions', 'problemToApiError', 'readJsonEdit', 'readMultipartEdit',
      'resolveImageRef', 'runEdit', 'sendApiError', 'startServer', 'stringifyWithBase64', 'toApiError',
    ].sort());
  });

  it('maskedit exports the library and the code table', async () => {
    const names = Object.keys(await import('../../src/index.js'));
    expect(names).toContain('CODES');
    expect(names).toContain('edit');
    // Not the server, not the CLI, not internals.
    for (const internal of ['buildServer', 'ApiError', 'run', 'CliError', 'mapOpenAIError', 'capRetryAfter']) expect(names).not.toContain(internal);
    expect([...names].sort()).toEqual([
      'AbortError', 'CODES', 'DEFAULT_ENGINE', 'DEFAULT_FEATHER', 'DEFAULT_MODEL', 'DEFAULT_SEAM', 'ENGINE_NAMES', 'EditRefusedError',
      'ImageError', 'MODELS', 'MaskError', 'MaskeditError', 'PRICES', 'PRICES_READ_ON', 'ProviderError', 'REPAIRABLE_CODES',
      'adviseFidelity', 'apiRgbaToEditMask', 'assertNotInput', 'assertWithinBudget', 'blendMaskFor', 'boundingBox', 'buildPrompt',
      'checkFiles', 'checkPair', 'checkPairDecoded', 'cloneRaster', 'codeInfo', 'connectedComponents', 'countNonZero', 'createEditMask',
      'createProvider', 'createRaster', 'crop', 'decodeImage', 'diagnose', 'diffMask', 'dilate', 'edit', 'editMaskToApiRgba',
      'editableFraction', 'encodeImage', 'erode', 'estimateCost', 'featherInward', 'fillHoles', 'findModel', 'getEngine', 'getModel',
      'hasErrors', 'invert', 'isMaskeditError', 'lintPrompt', 'luma', 'maskFromAlpha', 'maskFromLuma', 'modelIds', 'modelMaskFor',
      'outputPaths', 'parsePreserve', 'parseSize', 'paste', 'planCrops', 'probeImage', 'readEditMask', 'readImageFile', 'rectsMask',
      'renderHeatmap', 'renderPlanPreview', 'repairMask', 'reportJson', 'resize', 'scanAlpha', 'sizeProblem', 'sniffFormat',
      'sortProblems', 'spillover', 'stitch', 'toRgba', 'usageFor', 'verdictFor', 'writeEditResult', 'writeFileAtomic'
    ].sort());
  });
});
