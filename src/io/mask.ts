/**
 * Reading a mask file into an {@link EditMask} the way OpenAI reads it: only alpha == 0 is editable
 * (CreateImageEditRequest.mask). Masks without alpha are refused with the command that converts them.
 */
import { apiRgbaToEditMask, type EditMask } from '../core/raster.js';
import { MaskError } from '../core/errors.js';
import { decodeImage, readImageFile, type DecodeOptions, type ImageInfo } from './image.js';

export interface ReadMaskResult {
  mask: EditMask;
  info: ImageInfo;
}

/**
 * A mask file (a path, read safely) or its bytes (an upload; `opts.label` names it in messages).
 *
 * @example
 * const { mask } = await readEditMask('mask.png');
 */
export async function readEditMask(source: string | Uint8Array, opts: DecodeOptions = {}): Promise<ReadMaskResult> {
  const { raster, info } = typeof source === 'string' ? await readImageFile(source, { ...opts, role: 'mask' }) : await decodeImage(source, { ...opts, role: 'mask' });
  const label = typeof source === 'string' ? source : opts.label ?? 'mask';
  if (!info.hasAlpha) {
    throw new MaskError('MASK_NO_ALPHA', `${label} has no alpha channel; OpenAI edits only where alpha is 0`, `make an RGBA mask: maskedit mask ${label} -o mask.png`);
  }
  return { mask: apiRgbaToEditMask(raster), info };
}
