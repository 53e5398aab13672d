/**
 * The one threshold for soft and gray masks. OpenAI edits only where alpha is exactly 0; a mask painted with a
 * soft brush, blurred, or exported in gray has pixels in between, and every maskedit path that *repairs* such a
 * mask — `maskedit mask` (its default), `maskedit edit --fix`, the studio's repair and the doctor's editable
 * figure after repair — reads them with this one split: **alpha below 128 is editable**, and for masks without
 * alpha, luminance splits at 128 as well.
 *
 * Why the midpoint: a blurred edge spreads symmetrically around where the painter's edge was, so the midpoint
 * puts the repaired edge back there; alpha 0 only (OpenAI's raw reading) shrinks the region by half the blur,
 * alpha < 255 grows it by half the blur (a blurred 4.4 % mask read at 255 was 7.5 %).
 */
export const SOFT_THRESHOLD = 128;

/** True when a repaired mask counts this alpha value as editable. */
export function softEditable(alpha: number): boolean {
  return alpha < SOFT_THRESHOLD;
}
