/**
 * `node:util` parseArgs refuses `--rect -5,-5,20,20` and `--grow -1` as "argument is ambiguous": a value that
 * starts with `-` could be another option. A string option followed by a token that reads as a number (or a
 * list of numbers: `-5,-5,20,20`) takes that token as its value, written `--opt=value`, so the option's own
 * check gives its coded answer (a clipped box, a range error) instead.
 *
 * @example
 * joinNegativeValues(['--rect', '-5,-5,20,20'], { rect: { type: 'string' } }); // ['--rect=-5,-5,20,20']
 */
const NUMERIC = /^-(\d|\.\d)[\d.,\-eE]*$/;

export function joinNegativeValues(args: readonly string[], options: Record<string, { type: 'string' | 'boolean'; short?: string }>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      out.push(...args.slice(i));
      break;
    }
    const next = args[i + 1];
    const long = a.startsWith('--') && !a.includes('=') ? options[a.slice(2)] : undefined;
    const short = /^-[A-Za-z]$/.test(a) ? Object.values(options).find((o) => o.short === a.slice(1)) : undefined;
    if ((long ?? short)?.type === 'string' && next !== undefined && NUMERIC.test(next)) {
      out.push(long ? `${a}=${next}` : `${a}${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}
