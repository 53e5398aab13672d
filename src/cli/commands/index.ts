/** The command table. Each entry loads its module lazily so `maskedit check` never loads the server or SDK. */
import type { Command } from '../_context.js';

export const COMMANDS: Record<string, () => Promise<Command>> = {
  check: async () => (await import('./check.js')).default,
  mask: async () => (await import('./mask.js')).default,
  edit: async () => (await import('./edit.js')).default,
  demo: async () => (await import('./demo.js')).default,
  prompt: async () => (await import('./prompt.js')).default,
  diff: async () => (await import('./diff.js')).default,
  stitch: async () => (await import('./stitch.js')).default,
  plan: async () => (await import('./plan.js')).default,
  serve: async () => (await import('./serve.js')).default,
  studio: async () => (await import('./studio.js')).default,
  session: async () => (await import('./session.js')).default,
  triage: async () => (await import('./triage.js')).default,
  models: async () => (await import('./models.js')).default,
  batch: async () => (await import('./batch.js')).default,
  worker: async () => (await import('./worker.js')).default,
};
