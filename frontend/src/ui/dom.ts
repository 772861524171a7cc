// A tiny DOM builder: h('div.card', {onclick}, 'text', child). Text is always
// set as text, never parsed as HTML.

type Child = Node | string | number | null | undefined | false;
type Children = Child | Children[];
type Attrs = Record<string, unknown>;

export function h<K extends keyof HTMLElementTagNameMap>(
  spec: K | `${K}.${string}` | `${K}#${string}`, attrs: Attrs | null = null, ...children: Children[]
): HTMLElementTagNameMap[K] {
  const p = parseSpec(spec);
  const el = document.createElement(p.tag as K);
  if (p.id !== '') el.id = p.id;
  if (p.cls !== '') el.className = p.cls;
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

interface Spec {
  tag: string;
  id: string;
  cls: string;
}

/** Parsed specs: panels rebuild the same few dozen kinds of element many times a second. */
const specs = new Map<string, Spec>();

function parseSpec(spec: string): Spec {
  let p = specs.get(spec);
  if (p === undefined) {
    const m = /^([a-z0-9]+)(?:#([\w-]+))?((?:\.[\w-]+)*)$/.exec(spec);
    if (m === null) throw new Error(`expected a tag like 'div.cls', got '${spec}'`);
    p = { tag: m[1], id: m[2] ?? '', cls: m[3] ? m[3].slice(1).replace(/\./g, ' ') : '' };
    // Specs with dynamic parts (a state in a class name) are few; bound the cache all the same.
    if (specs.size < 1000) specs.set(spec, p);
  }
  return p;
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
  // A child process's main thread goes by the process's name (trace.ts threadName).
  const p = /^(?:Process|ForkPoolWorker|SpawnPoolWorker|ForkServerPoolWorker)-(\d+)$/.exec(name);
  if (p !== null) return `${name.startsWith('Process') ? 'P' : 'W'}${p[1]}`;
  // A coroutine (a negative actor id, model/lane.ts): tasks share prefixes (transfer-ab, transfer-ba), keep the end.
  if (tid < -1) return name.length > 16 ? `${name.slice(0, 7)}…${name.slice(-8)}` : name;
  return name.length > 10 ? `${name.slice(0, 9)}…` : name;
}

/**
 * A saved preference, or null. Storage may be denied outright — an embed in
 * a slide deck of another site is a third-party frame, and browsers that
 * block third-party storage throw on `localStorage` itself.
 */
export function readSetting(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function writeSetting(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Not saved: the page works the same, it only forgets the preference.
  }
}
