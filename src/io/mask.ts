/**
 * Reading a mask file into an {@link EditMask} the way OpenAI reads it: only alpha == 0 is editable
 * (CreateImageEditRequest.mask). Masks without alpha are refused with the command that converts them.
 */
import { apiRgbaToEditMask, type EditMask } from '../core/raster.js';
import { MaskError } from '../core/errors.js';
import { readImageFile, type DecodeOptions, type ImageInfo } from './image.js';

export interface ReadMaskResult {
  mask: EditMask;
  info: ImageInfo;
}

/**
 * @example
 * const { mask } = await readEditMask('mask.png');
 */
export async function readEditMask(path: string, opts: DecodeOptions = {}): Promise<ReadMaskResult> {
  const { raster, info } = await readImageFile(path, { ...opts, role: 'mask' });
  if (!info.hasAlpha) {
    throw new MaskError('MASK_NO_ALPHA', `${path} has no alpha channel; OpenAI edits only where alpha is 0`, `make an RGBA mask: maskedit mask ${path} -o mask.png`);
  }
  return { mask: apiRgbaToEditMask(raster), info };
}
