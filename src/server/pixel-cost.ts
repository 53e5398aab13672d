/**
 * The pixel cost of an edit request: the decoded pixels its image and mask will hold, read from their headers
 * (`io/image` headerPixels: no pixel is decoded), so the queue can admit work by memory rather than by count. A file
 * whose header cannot be read costs 0 here; the mask doctor then refuses it with its own code.
 *
 * @example
 * const cost = await pixelCost([image, mask]); // 1536×1024 pair → 3 145 728
 */
import { headerPixels } from '../io/image.js';

export async function pixelCost(files: readonly (Uint8Array | undefined)[]): Promise<number> {
  let total = 0;
  for (const bytes of files) {
    if (!bytes?.length) continue;
    // Unreadable (0): the doctor refuses it with a specific code when the edit runs.
    total += await headerPixels(bytes);
  }
  return total;
}
