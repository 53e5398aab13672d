/**
 * The studio's HTTP contract, shared by the server plugin (src/studio/plugin.ts) and the web app
 * (web/src/api.ts). Types only, with no imports, so the browser build can use it; each side fills in the
 * report type it knows (the server the full CheckReport/EditReport, the page the parts it shows).
 */

/** What `GET /api/config` answers. */
export interface StudioConfig {
  providers: { id: 'local' | 'openai'; label: string; available: boolean; reason?: string }[];
  defaultProvider: 'local' | 'openai';
  engines: string[];
  defaultEngine: string;
  /** The registry's default model on `today` (core/lifecycle.ts). */
  defaultModel: string;
  /** The date the models were judged on (YYYY-MM-DD). */
  today: string;
  /** The models not shut down on `today`, newest first, with what the studio's controls offer for each. */
  models: StudioModel[];
  maxImageBytes: number;
}

/** One registry model as the studio shows it. */
export interface StudioModel {
  id: string;
  status: 'active' | 'deprecated';
  shutdownDate: string | null;
  replacements: string[];
  /** What it is for, in a line. */
  note: string;
  qualities: string[];
  /** null: the model does not take complexity. */
  complexity: string[] | null;
  markup: boolean;
  inputFidelity: boolean;
  /** Fixed sizes (the 2.x models also take any planned size on their grid). */
  sizes: string[];
  maxPromptChars: number;
}

/** What `POST /api/edit` answers (the `result` event's data when streamed). */
export interface StudioResult<Report = unknown> {
  width: number;
  height: number;
  /** PNG data URLs: the final (stitched) image, the raw model output mapped back, the spillover heatmap, the crop plan. */
  images: { result: string; raw: string; heatmap: string; plan: string };
  /** The report as `maskedit edit --report` writes it. */
  report: Report;
  crops: { x: number; y: number; width: number; height: number; sendWidth: number; sendHeight: number }[];
}

/** What `POST /api/check` answers. */
export interface StudioCheck<Report = unknown> {
  report: Report;
  /** OpenAI's reading of the mask as a gray PNG data URL (255 = editable), null when it has none. */
  mask: string | null;
  /** The doctor's repair, when it changes something. */
  repair: { applied: string[]; mask: string } | null;
  /** Why no repair is possible, when the report has errors and none is. */
  repairError: { code: string; message: string; fix: string } | null;
}

/** What `POST /api/select` answers. */
export interface StudioSelect {
  width: number;
  height: number;
  /** The selection as a gray PNG data URL, 255 = selected (editable). */
  mask: string;
  /** Selected share of the picture. */
  fraction: number;
  parts: { select: string; box: { x: number; y: number; width: number; height: number }; pixels: number; ms: number }[];
}
