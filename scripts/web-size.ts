/**
 * `npm run web:size`: the JavaScript a browser loads before the inbox shows (the entry script of
 * web/dist/index.html and every chunk it preloads or imports statically), gzipped, against the budget of
 * 150 KB. Lazy chunks (the ticket page, the portal) are listed but not counted. Exits 1 over the budget.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET_BYTES = 150_000;
const dist = path.resolve(import.meta.dirname, '../web/dist');
const html = readFileSync(path.join(dist, 'index.html'), 'utf8');

const initial = new Set<string>();
const queue = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*rel="modulepreload"[^>]*\shref)="\/([^"]+\.js)"/g)].map(
  (match) => match[1] as string,
);
// Static imports between chunks (`import{…}from"./x.js"` or `import"./x.js"`) load before the entry runs.
while (queue.length > 0) {
  const file = queue.shift() as string;
  if (initial.has(file)) continue;
  initial.add(file);
  const code = readFileSync(path.join(dist, file), 'utf8');
  for (const match of code.matchAll(/(?:^|[;\s}])import\s*(?:[^'"()]*?from\s*)?["']\.\/([^"']+\.js)["']/g)) {
    queue.push(path.posix.join(path.posix.dirname(file), match[1] as string));
  }
}

let total = 0;
for (const file of initial) {
  const bytes = gzipSync(readFileSync(path.join(dist, file)), { level: 9 }).length;
  total += bytes;
  console.log(`${(bytes / 1000).toFixed(1).padStart(7)} kB gz  ${file}`);
}
console.log(
  `${(total / 1000).toFixed(1).padStart(7)} kB gz  initial JavaScript of the inbox (budget ${BUDGET_BYTES / 1000} kB)`,
);
if (total > BUDGET_BYTES) {
  console.error(`over the budget by ${((total - BUDGET_BYTES) / 1000).toFixed(1)} kB`);
  process.exit(1);
}
