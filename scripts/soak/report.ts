/** The summary table and the pass/fail rules, printed and (with --json) written as one object. */

export interface Check {
  name: string;
  value: string;
  rule: string;
  ok: boolean;
}

export interface Row {
  name: string;
  value: string;
}

export class Report {
  readonly rows: Row[] = [];
  readonly checks: Check[] = [];
  /** The figures as numbers, for --json. */
  readonly metrics: Record<string, number | string | null> = {};

  info(name: string, value: string | number): void {
    this.rows.push({ name, value: String(value) });
  }

  check(name: string, value: string | number, rule: string, ok: boolean): void {
    this.checks.push({ name, value: String(value), rule, ok });
  }

  get passed(): boolean {
    return this.checks.every((c) => c.ok);
  }

  print(title: string): void {
    const width = Math.max(...this.rows.map((r) => r.name.length), ...this.checks.map((c) => c.name.length), 10);
    const valueWidth = Math.min(48, Math.max(...this.checks.map((c) => c.value.length), 5));
    console.log(`\n${title}`);
    console.log('─'.repeat(Math.min(120, width + valueWidth + 40)));
    for (const row of this.rows) console.log(`  ${row.name.padEnd(width)}  ${row.value}`);
    console.log('');
    for (const check of this.checks) {
      const mark = check.ok ? 'ok  ' : 'FAIL';
      console.log(`  ${mark} ${check.name.padEnd(width)}  ${check.value.padEnd(valueWidth)}  (${check.rule})`);
    }
    console.log('─'.repeat(Math.min(120, width + valueWidth + 40)));
  }
}

export const mb = (kb: number | undefined): string => (kb === undefined ? '-' : `${(kb / 1024).toFixed(1)} MB`);
