import { html } from 'htm/preact';
import type { VNode } from 'preact';

export function ErrorBox({ error, testid }: { error: string | null; testid?: string }): VNode | null {
  if (error === null || error === '') return null;
  return html`<p class="error" role="alert" data-testid=${testid ?? 'error'}>${error}</p>`;
}

export function Notice({ text }: { text: string | null }): VNode | null {
  if (text === null || text === '') return null;
  return html`<p class="notice" role="status">${text}</p>`;
}

/** Horizontal bars: one row per item, the bar's length relative to the largest count. */
export function Bars({
  items,
  testid,
  empty,
  href,
}: {
  items: { key: string; label: string; count: number }[];
  testid: string;
  empty: string;
  href?: (key: string) => string | null;
}): VNode {
  if (items.length === 0) return html`<p class="muted">${empty}</p>`;
  const max = Math.max(1, ...items.map((i) => i.count));
  return html`<table class="bars" data-testid=${testid}>
    <tbody>
      ${items.map((i) => {
        const link = href?.(i.key) ?? null;
        return html`<tr key=${i.key} data-testid=${testid + '-row'} data-key=${i.key}>
          <th scope="row" class="bar-label" title=${i.label}>${link === null ? i.label : html`<a href=${link}>${i.label}</a>`}</th>
          <td class="bar-cell"><span class="bar" style=${`width:${(100 * i.count) / max}%`}></span></td>
          <td class="num" data-testid=${testid + '-count'}>${i.count}</td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}

export function Json({ value, testid }: { value: unknown; testid?: string }): VNode {
  return html`<pre class="json" data-testid=${testid ?? 'json'}>${JSON.stringify(value, null, 2)}</pre>`;
}
