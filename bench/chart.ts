import type { EndpointResult } from './http-phase.js';

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Requests per second, ours beside the reference, one pair of bars per endpoint and dataset: a hand-built
 * SVG (no chart library for a dozen rectangles).
 */
export function barChart(rows: EndpointResult[], title: string): string {
  const labelWidth = 330;
  const plotWidth = 520;
  const bar = 13;
  const groupGap = 12;
  const top = 56;
  const groupHeight = bar * 2 + groupGap;
  const height = top + rows.length * groupHeight + 24;
  const max = Math.max(1, ...rows.flatMap((row) => [row.ours.rps, row.reference?.rps ?? 0]));
  const scale = (value: number) => Math.max(1, (value / max) * plotWidth);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${labelWidth + plotWidth + 90}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<title>${xml(title)}</title>`,
    '<rect width="100%" height="100%" fill="#ffffff"/>',
    `<text x="10" y="22" font-size="15" font-weight="bold">${xml(title)}</text>`,
    `<rect x="${labelWidth}" y="32" width="12" height="12" fill="#2563eb"/><text x="${labelWidth + 18}" y="42">ours (auth, validation, envelope)</text>`,
    `<rect x="${labelWidth + 230}" y="32" width="12" height="12" fill="#9ca3af"/><text x="${labelWidth + 248}" y="42">reference (raw pg)</text>`,
  ];
  rows.forEach((row, index) => {
    const y = top + index * groupHeight;
    const label = `${row.dataset} · ${row.endpoint}`;
    parts.push(`<text x="${labelWidth - 8}" y="${y + bar + 4}" text-anchor="end">${xml(label)}</text>`);
    const bars: [number, string, string][] = [[row.ours.rps, '#2563eb', `${row.ours.rps}`]];
    if (row.reference) bars.push([row.reference.rps, '#9ca3af', `${row.reference.rps}`]);
    bars.forEach(([value, colour, text], i) => {
      const barY = y + i * bar;
      const width = scale(value);
      parts.push(
        `<rect x="${labelWidth}" y="${barY}" width="${width.toFixed(1)}" height="${bar - 2}" fill="${colour}"/>`,
      );
      parts.push(`<text x="${labelWidth + width + 4}" y="${barY + bar - 3}" font-size="10">${xml(text)}</text>`);
    });
    if (row.ratio !== undefined) {
      parts.push(
        `<text x="${labelWidth - 8}" y="${y + bar * 2 + 2}" text-anchor="end" font-size="10" fill="#555">×${row.ratio} of reference</text>`,
      );
    }
  });
  parts.push(
    `<text x="${labelWidth}" y="${height - 8}" font-size="10" fill="#555">requests per second (median of rounds; longer is better)</text>`,
  );
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
