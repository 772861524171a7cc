// One JSON request to the concviz server (same origin), with the server's
// error detail (a string, or FastAPI-style field errors) as the Error's message.

export async function jsonCall<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new Error('Cannot reach the concviz server. Is it running?');
  }
  const text = await res.text();
  let data: unknown;
  try {
    data = text === '' ? null : JSON.parse(text);
  } catch {
    data = null;
  }
  if (!res.ok) throw new Error(`${method} ${path}: ${detailText(data) ?? `HTTP ${res.status}`}`);
  return data as T;
}

function detailText(data: unknown): string | null {
  if (data === null || typeof data !== 'object' || !('detail' in data)) return null;
  const d = (data as { detail: unknown }).detail;
  if (typeof d === 'string') return d;
  if (Array.isArray(d)) {
    return d.map((e: { loc?: unknown[]; msg?: string }) => `${(e.loc ?? []).slice(1).join('.')}: ${e.msg ?? ''}`).join('; ');
  }
  return JSON.stringify(d);
}
