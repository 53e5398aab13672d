/** Small DOM helpers: the studio has no UI framework, only these. */

/** The element with this id; a missing id is a bug in index.html, so it throws. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from index.html`);
  return el as T;
}

type Child = Node | string | null | undefined | false;

/**
 * Creates an element with attributes (`on*` functions become listeners) and children.
 *
 * @example
 * h('button', { class: 'btn', onclick: () => run() }, 'Run edit')
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, unknown> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v as EventListener);
    else if (k === 'class') el.className = String(v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/** Replaces a select's options, keeping the current value when it is still offered. */
export function setOptions(select: HTMLSelectElement, options: { value: string; label?: string; disabled?: boolean }[], preferred?: string): void {
  const keep = preferred ?? select.value;
  select.replaceChildren(...options.map((o) => h('option', { value: o.value, disabled: o.disabled }, o.label ?? o.value)));
  const pick = options.find((o) => o.value === keep && !o.disabled) ?? options.find((o) => !o.disabled);
  if (pick) select.value = pick.value;
}

/** A download of `blob` named `name`, through a temporary link (works for every browser and for tests). */
export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export async function dataUrlToBlob(url: string): Promise<Blob> {
  return (await fetch(url)).blob();
}

export function pct(x: number, digits = 2): string {
  if (x === 0) return '0 %';
  if (x < 0.0001) return '< 0.01 %';
  return `${(x * 100).toFixed(digits)} %`;
}

export function int(n: number): string {
  return n.toLocaleString('en-US');
}
