/**
 * What the CLI reads from its environment for the OpenAI provider, in one place. `main.ts` hands the process's
 * environment to every command as `ctx.env`; commands pass these values down explicitly, because nothing below
 * the entry points reads `process.env` (docs/architecture.md, pinned by test/env-reads.test.ts).
 */

export interface OpenAIEnv {
  /** OPENAI_API_KEY (never logged, printed or stored). */
  apiKey?: string;
  /** OPENAI_BASE_URL; empty means OpenAI's own. */
  baseURL?: string;
  /** MASKEDIT_RESPONSES_MODEL: the Responses surface's top-level model. */
  responsesModel?: string;
}

/**
 * @example
 * openaiEnv({ OPENAI_API_KEY: 'sk-…', OPENAI_BASE_URL: '' }) // { apiKey: 'sk-…' }
 */
export function openaiEnv(env: Readonly<Record<string, string | undefined>>): OpenAIEnv {
  return {
    ...(env.OPENAI_API_KEY ? { apiKey: env.OPENAI_API_KEY } : {}),
    ...(env.OPENAI_BASE_URL ? { baseURL: env.OPENAI_BASE_URL } : {}),
    ...(env.MASKEDIT_RESPONSES_MODEL ? { responsesModel: env.MASKEDIT_RESPONSES_MODEL } : {}),
  };
}
