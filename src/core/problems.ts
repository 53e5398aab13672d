/**
 * A finding of the mask doctor, the prompt linter or the model checks. Codes are stable and grouped by subject
 * (`IMAGE_*`, `MASK_*`, `PROMPT_*`, `MODEL_*`); the message names the expected and the received value; the fix
 * is a command or a concrete step.
 */
export type Severity = 'error' | 'warning';

/** `C` narrows the code where a function raises a known few (`Problem<LifecycleCode>`). */
export interface Problem<C extends string = string> {
  code: C;
  severity: Severity;
  message: string;
  fix: string;
}

export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

/** Errors first, then warnings, each group in the order found. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems.filter((p) => p.severity === 'error'), ...problems.filter((p) => p.severity === 'warning')];
}
