/**
 * The option table's generic parts on synthetic rows, one per type and boundary: the value check
 * (`checkValue`), what an error says the flag expects (`expectsPhrase`), the usage line (`renderUsage`), the
 * facts help adds (`optionFacts`) and the whole help page (`renderHelp`). test/cli/options.test.ts runs the
 * real commands' tables.
 */
import { describe, expect, it } from 'vitest';
import { checkValue, expectsPhrase, optionFacts, renderHelp, renderUsage, type OptionDef } from '../../src/cli/options.js';
import { MaskeditError } from '../../src/core/errors.js';

const USAGE = 'maskedit t';
const D = (over: Partial<OptionDef> & Pick<OptionDef, 'type'>): OptionDef => ({ description: 'd', ...over });

describe('checkValue: accepted values, typed', () => {
  it.each<[string, OptionDef, string | boolean, unknown]>([
    ['a switch', D({ type: 'boolean' }), true, true],
    ['a string', D({ type: 'string' }), 'x', 'x'],
    ['a path', D({ type: 'path' }), 'a/b.png', 'a/b.png'],
    ['an int at its min', D({ type: 'int', min: 1, max: 10 }), '1', 1],
    ['an int at its max', D({ type: 'int', min: 1, max: 10 }), '10', 10],
    ['a negative number', D({ type: 'number' }), '-2.5', -2.5],
    ['a number at its max', D({ type: 'number', max: 0.5 }), '0.5', 0.5],
    ['an enum value', D({ type: 'enum', choices: ['a', 'b'] }), 'b', 'b'],
    ['a list of 4 whole numbers', D({ type: 'list', items: 4, integer: true }), '1, 2,3 ,-4', [1, 2, 3, -4]],
    ['a list of any length', D({ type: 'list' }), '0.5,1', [0.5, 1]],
    ['a list at its bounds', D({ type: 'list', min: 0, max: 9 }), '0,9', [0, 9]],
    ['a string through its parser', D({ type: 'string', parse: (s) => s.length }), 'abc', 3],
  ])('%s', (_, d, raw, typed) => {
    expect(checkValue('f', d, raw, USAGE)).toEqual(typed);
  });
});

describe('checkValue: refusals name the flag, what it expects and what it received', () => {
  it.each<[string, OptionDef, string | boolean, string]>([
    ['a value given to a switch', D({ type: 'boolean' }), 'yes', '--f expects no value, received "yes"'],
    ['no value for a string', D({ type: 'string' }), true, '--f expects a value (TEXT), received true'],
    ['no value for a path', D({ type: 'path' }), true, '--f expects a value (FILE), received true'],
    ['an int below its min', D({ type: 'int', min: 1, max: 10 }), '0', '--f expects a whole number from 1 to 10, received "0"'],
    ['an int above its max', D({ type: 'int', min: 1, max: 10 }), '11', '--f expects a whole number from 1 to 10, received "11"'],
    ['a fraction for an int', D({ type: 'int', min: 1 }), '2.5', '--f expects a whole number >= 1, received "2.5"'],
    ['a blank number', D({ type: 'number', max: 3 }), ' ', '--f expects a number <= 3, received " "'],
    ['not a number', D({ type: 'number' }), '1e999', '--f expects a number, received "1e999"'],
    ['a number above its max', D({ type: 'number', max: 0.5 }), '0.51', '--f expects a number <= 0.5, received "0.51"'],
    ['an unknown choice', D({ type: 'enum', choices: ['a', 'b'] }), 'c', '--f expects one of a, b, received "c"'],
    ['a list too short', D({ type: 'list', items: 4, integer: true }), '1,2,3', '--f expects a,b,c,d as 4 whole numbers, received "1,2,3"'],
    ['a list with an empty item', D({ type: 'list' }), '1,,2', '--f expects a as some numbers, received "1,,2"'],
    ['a list with a fraction', D({ type: 'list', items: 2, integer: true }), '1,2.5', '--f expects a,b as 2 whole numbers, received "1,2.5"'],
    ['a list item below its min', D({ type: 'list', min: 0 }), '-1,2', '--f expects a as some numbers, received "-1,2"'],
    ['a list item above its max', D({ type: 'list', max: 9 }), '1,10', '--f expects a as some numbers, received "1,10"'],
    ['a list its accept refuses', D({ type: 'list', accept: (n) => n[0]! < n[1]! }), '2,1', '--f expects a as some numbers, received "2,1"'],
    ['a list item that is not a number', D({ type: 'list' }), '1,x', '--f expects a as some numbers, received "1,x"'],
    ['a value its parser throws on', D({ type: 'string', parse: () => { throw new Error('no'); } }), 'q', '--f expects a value (TEXT), received "q"'],
    ['a named value', D({ type: 'string', metavar: 'W,H' }), true, '--f expects a value (W,H), received true'],
    ['a phrase of its own', D({ type: 'string', expects: 'a size like 1024x1024' }), true, '--f expects a size like 1024x1024, received true'],
  ])('%s', (_, d, raw, message) => {
    let err: unknown;
    try { checkValue('f', d, raw, USAGE); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(MaskeditError);
    expect(err).toMatchObject({ code: 'USAGE', message, fix: `usage: ${USAGE}` });
  });

  it('passes a parser\'s own coded error through', () => {
    const coded = new MaskeditError('MASK_RECT_INVALID', 'bad rect', 'fix it');
    expect(() => checkValue('rect', D({ type: 'string', parse: () => { throw coded; } }), 'x', USAGE)).toThrow(coded);
  });
});

describe('expectsPhrase, optionFacts, renderUsage and renderHelp', () => {
  it.each<[OptionDef, string]>([
    [D({ type: 'int' }), 'a whole number'],
    [D({ type: 'number', min: 0 }), 'a number >= 0'],
    [D({ type: 'enum', choices: ['x', 'y', 'z'] }), 'one of x, y, z'],
    [D({ type: 'list', items: 3 }), 'a,b,c as 3 numbers'],
    [D({ type: 'boolean' }), 'no value'],
    [D({ type: 'path' }), 'a value (FILE)'],
  ])('%j expects %s', (d, phrase) => {
    expect(expectsPhrase(d)).toBe(phrase);
  });

  it.each<[OptionDef, string]>([
    [D({ type: 'enum', choices: ['x', 'y'], default: 'x' }), 'One of: x, y. (default x)'],
    [D({ type: 'int', min: 1, max: 10, repeatable: true }), 'A whole number from 1 to 10. Repeatable.'],
    [D({ type: 'number' }), 'A number.'],
    [D({ type: 'path', required: true, defaultLabel: 'library default' }), 'Required. (library default)'],
    [D({ type: 'boolean', default: false }), ''],
    [D({ type: 'string', default: () => 'computed' }), ''],
  ])('%j: facts %j', (d, facts) => {
    expect(optionFacts(d)).toBe(facts);
  });

  const table = {
    out: D({ type: 'path', short: 'o', preferShort: true, required: true, metavar: 'OUT.png' }),
    n: D({ type: 'int', min: 1, max: 4 }),
    mode: D({ type: 'enum', choices: ['a', 'b'] }),
    rect: D({ type: 'list', items: 2, repeatable: true }),
    json: D({ type: 'boolean', description: 'Print JSON.' }),
  };

  it('writes the usage line: required flags first, then the others in brackets', () => {
    expect(renderUsage('t', 'IMAGE', table)).toBe('maskedit t IMAGE -o OUT.png [--n N] [--mode a|b] [--rect a,b]… [--json]');
  });

  it('writes the whole help page', () => {
    expect(renderHelp({ usage: 'maskedit t IMAGE', summary: 'Does t.', details: 'More.', options: table })).toBe([
      'Usage: maskedit t IMAGE', '', 'Does t.', '', 'More.', '', 'Options:',
      '  -o, --out VALUE', '      d Required.',
      '  --n VALUE', '      d A whole number from 1 to 4.',
      '  --mode VALUE', '      d One of: a, b.',
      '  --rect VALUE (repeatable)', '      d Repeatable.',
      '  --json', '      Print JSON.',
      '  --help', '      Print this help.',
    ].join('\n') + '\n');
    expect(renderHelp({ usage: 'u', summary: 's', options: {} })).toBe('Usage: u\n\ns\n\nOptions:\n  --help\n      Print this help.\n');
  });
});
