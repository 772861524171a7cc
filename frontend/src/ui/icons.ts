// Inline SVG icons for the replay controls (symbol fonts for ⏮/⏭ are missing
// on many machines, projectors' laptops included).

const PATHS: Record<string, string> = {
  start: 'M5 4h2.5v16H5zM20 4v16L8.5 12z',
  prev: 'M18 4v16L6.5 12z',
  play: 'M7 4v16l13-8z',
  pause: 'M6 4h4.5v16H6zM13.5 4H18v16h-4.5z',
  next: 'M6 4v16l11.5-8zM17.5 4H20v16h-2.5z',
  end: 'M4 4v16l11.5-8zM16.5 4H19v16h-2.5z',
};

export function icon(name: keyof typeof PATHS | string): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', '20');
  svg.setAttribute('height', '20');
  svg.setAttribute('aria-hidden', 'true');
  const p = document.createElementNS(ns, 'path');
  p.setAttribute('d', PATHS[name] ?? '');
  p.setAttribute('fill', 'currentColor');
  svg.append(p);
  return svg;
}
