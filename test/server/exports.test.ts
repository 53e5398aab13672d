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
      'AbortError', 'CODES', 'DEFAULT_ENGINE', 'DEFAULT_FEATHER', 'DEFAULT_SEAM', 'ENGINE_NAMES', 'EditRefusedError',
      'GRID_RULE', 'ImageError', 'MODELS', 'MaskError', 'MaskeditError', 'NEWEST_MODEL', 'PARAM_NAMES',
      'PARAM_SURFACES', 'PRICES', 'PRICES_READ_ON', 'ProviderError', 'REPAIRABLE_CODES', 'ReferenceInputError', 'WHEN_ABSENT',
      'configureSettings', 'finish', 'plan', 'prepare', 'send', 'settings', 'settingsFromEnv', 'stageRun',
      'adviseFidelity', 'apiRgbaToEditMask', 'assertModelLive', 'assertNotInput', 'assertWithinBudget', 'batch',
      'blendMaskFor', 'boundingBox', 'buildPrompt', 'checkFiles', 'checkPair', 'checkPairDecoded', 'cloneRaster',
      'closestModels', 'codeInfo', 'connectedComponents', 'countNonZero', 'createEditMask', 'createProvider',
      'createRaster', 'crop', 'decodeImage', 'defaultModel', 'describeSizes', 'diagnose', 'diagnoseMarkup',
      'diffMask', 'dilate', 'drawMarkup', 'edit', 'editMaskToApiRgba', 'editableFraction', 'encodeImage', 'erode',
      'estimateCost', 'featherInward', 'fillHoles', 'findModel', 'getEngine', 'getModel', 'gridSizeProblem',
      'hasErrors', 'invert', 'isMaskeditError', 'isoDate', 'lifecycleProblems', 'lintPrompt', 'liveReplacements',
      'luma', 'maskFromAlpha', 'maskFromLuma', 'modelIds', 'modelMaskFor', 'modelStatus', 'outputPaths',
      'parsePreserve', 'parseSize', 'parseToday', 'paste', 'planCrops', 'pricesFor', 'probeImage', 'readEditMask',
      'readImageFile', 'readJobs', 'rectsMask', 'renderHeatmap', 'renderPlanPreview', 'repairMask', 'reportJson',
      'resize', 'resolveParams', 'scanAlpha', 'sizeProblem', 'sniffFormat', 'sortProblems', 'spillover', 'statusOf',
      'stitch', 'toRgba', 'usageFor', 'verdictFor', 'writeEditResult', 'writeFileAtomic'
    ].sort());
  });
});
