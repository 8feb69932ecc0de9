import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type InboundMail, parseMail } from '../../../src/email/parsing/parse-mail.js';
import { type AutomatedVerdict, classifyAutomated } from '../../../src/email/rules/loop-rules.js';

/**
 * The shared mail corpus (see its README.md). It sits beside the repository: /work/shared next to
 * /work/main here, `<clone>/../shared` in CI.
 */
const REPO = fileURLToPath(new URL('../../..', import.meta.url));
export const CORPUS = path.resolve(REPO, '..', 'shared', 'mail-corpus');
if (!existsSync(CORPUS) || !statSync(CORPUS).isDirectory()) {
  // Failing, not skipping: without the corpus these tests would prove nothing and look green.
  throw new Error(`Mail corpus not found at ${CORPUS}: check out the shared folder beside the repository.`);
}

export const OWN = ['support@desk.example'];

function walk(folder: string): string[] {
  return readdirSync(folder)
    .flatMap((name) => {
      const full = path.join(folder, name);
      return statSync(full).isDirectory() ? walk(full) : [full];
    })
    .sort();
}

/** Every file of the corpus, relative, with "/" separators, sorted. */
export const FILES = walk(CORPUS).map((file) => path.relative(CORPUS, file).split(path.sep).join('/'));

export const readCorpusFile = (file: string): Buffer => readFileSync(path.join(CORPUS, file));

export interface Outcome {
  mail: InboundMail | null;
  verdict: AutomatedVerdict | null;
  error: unknown;
  ms: number;
}

/** Parses and classifies every file once; errors are kept, not thrown, for the tests to judge. */
export async function loadCorpus(): Promise<Map<string, Outcome>> {
  const outcomes = new Map<string, Outcome>();
  for (const file of FILES) {
    const started = performance.now();
    try {
      const mail = await parseMail(readCorpusFile(file));
      const verdict = classifyAutomated(mail, OWN);
      outcomes.set(file, { mail, verdict, error: null, ms: performance.now() - started });
    } catch (error) {
      outcomes.set(file, { mail: null, verdict: null, error, ms: performance.now() - started });
    }
  }
  return outcomes;
}

/** Lookups that fail loudly when a file is missing or did not parse. */
export function lookups(outcomes: Map<string, Outcome>) {
  const outcome = (file: string): Outcome => {
    const found = outcomes.get(file);
    if (!found) throw new Error(`${file} is not in the corpus`);
    return found;
  };
  const mailOf = (file: string): InboundMail => {
    const { mail, error } = outcome(file);
    if (!mail) throw new Error(`${file} did not parse: ${String(error)}`);
    return mail;
  };
  const kindOf = (file: string) => outcome(file).verdict?.kind ?? null;
  return { outcome, mailOf, kindOf };
}
