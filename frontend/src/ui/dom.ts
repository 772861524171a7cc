// A tiny DOM builder: h('div.card', {onclick}, 'text', child). Text is always
// set as text, never parsed as HTML.

type Child = Node | string | number | null | undefined | false;
type Children = Child | Children[];
type Attrs = Record<string, unknown>;

export function h<K extends keyof HTMLElementTagNameMap>(
  spec: K | `${K}.${string}` | `${K}#${string}`, attrs: Attrs | null = null, ...children: Children[]
): HTMLElementTagNameMap[K] {
  const m = /^([a-z0-9]+)(?:#([\w-]+))?((?:\.[\w-]+)*)$/.exec(spec);
  if (m === null) throw new Error(`expected a tag like 'div.cls', got '${spec}'`);
  const el = document.createElement(m[1] as K);
  if (m[2]) el.id = m[2];
  if (m[3]) el.className = m[3].slice(1).replace(/\./g, ' ');
  if (attrs !== null) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') {
        el.addEventListener(k.slice(2), v as EventListener);
      } else if (k === 'class') {
        el.className += (el.className ? ' ' : '') + String(v);
      } else if (k === 'style' && typeof v === 'object') {
        Object.assign(el.style, v);
      } else if (k in el && typeof v !== 'string') {
        (el as unknown as Record<string, unknown>)[k] = v;
      } else {
        el.setAttribute(k, v === true ? '' : String(v));
      }
    }
  }
  append(el, children);
  return el;
}

function append(el: Element, children: Children[]): void {
  for (const c of children) {
    if (Array.isArray(c)) append(el, c);
    else if (c === null || c === undefined || c === false) continue;
    else el.append(c instanceof Node ? c : String(c));
  }
}

export function clear(el: Element, ...children: Children[]): void {
  el.replaceChildren();
  append(el, children);
}

/** "Thread-3 (worker)" → short chip text; the full name goes in the title. */
export function shortName(name: string, tid: number): string {
  if (tid === 0) return 'Main';
  const m = /^Thread-(\d+)/.exec(name);
  if (m !== null) return `T${m[1]}`;
  return name.length > 10 ? `${name.slice(0, 9)}…` : name;
}
